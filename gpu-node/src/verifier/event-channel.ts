/**
 * A one-consumer async queue: the producer pushes values and closes (or
 * fails) it; the consumer iterates. Pushing never waits (a request produces a
 * bounded number of small events), so a slow reader cannot stall the token
 * loop other requests share. When the consumer stops early (`break`,
 * `return()`), `onReturn` runs once, e.g. to cancel the work.
 */
export class EventChannel<Value> implements AsyncIterable<Value> {
  readonly #buffer: Value[] = []
  #waiting: { resolve: (result: IteratorResult<Value, undefined>) => void, reject: (error: unknown) => void } | undefined
  #closed = false
  #failure: { error: unknown } | undefined
  #iterating = false
  readonly #onReturn: () => void

  constructor (onReturn: () => void = () => {}) {
    this.#onReturn = onReturn
  }

  get closed (): boolean {
    return this.#closed
  }

  /** Queues a value; ignored once closed. */
  push (value: Value): void {
    if (this.#closed) {
      return
    }
    const waiting = this.#waiting
    if (waiting != null) {
      this.#waiting = undefined
      waiting.resolve({ value, done: false })
    } else {
      this.#buffer.push(value)
    }
  }

  /** Ends the stream after the values already queued. */
  close (): void {
    this.#end(undefined)
  }

  /** Ends the stream with an error, which the consumer gets after the values already queued. */
  fail (error: unknown): void {
    this.#end({ error })
  }

  #end (failure: { error: unknown } | undefined): void {
    if (this.#closed) {
      return
    }
    this.#closed = true
    this.#failure = failure
    const waiting = this.#waiting
    this.#waiting = undefined
    if (waiting != null) {
      if (failure != null) {
        this.#failure = undefined
        waiting.reject(failure.error)
      } else {
        waiting.resolve({ value: undefined, done: true })
      }
    }
  }

  [Symbol.asyncIterator] (): AsyncIterator<Value, undefined> {
    if (this.#iterating) {
      throw new Error('a completion stream can be iterated only once')
    }
    this.#iterating = true
    return {
      next: async () => {
        if (this.#buffer.length > 0) {
          return { value: this.#buffer.shift() as Value, done: false }
        }
        if (this.#closed) {
          const failure = this.#failure
          this.#failure = undefined
          if (failure != null) {
            throw failure.error
          }
          return { value: undefined, done: true }
        }
        return new Promise((resolve, reject) => { this.#waiting = { resolve, reject } })
      },
      return: async () => {
        if (!this.#closed) {
          this.#onReturn()
        }
        this.#buffer.length = 0
        this.#failure = undefined
        this.close()
        return { value: undefined, done: true }
      }
    }
  }
}
