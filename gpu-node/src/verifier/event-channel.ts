export interface EventChannelOptions<Value> {
  /** Runs once when the consumer stops early (`break`, `return()`), e.g. to cancel the work. */
  onReturn?: () => void
  /**
   * Joins a value pushed behind one still waiting for the consumer into it
   * (return the joined value), or keeps them apart (return undefined). So a
   * reader that falls behind catches up in fewer, larger reads instead of
   * paying its per-value cost for each one.
   */
  merge?: (waiting: Value, pushed: Value) => Value | undefined
  /**
   * Paces the reader: once it has taken a value `after` accepts, a next one
   * `after` accepts is held until `ms` have passed, so that what comes
   * meanwhile is merged into it; it goes at once when a value it cannot be
   * merged with comes behind it, or the channel ends.
   */
  pace?: { ms: number, after: (value: Value) => boolean }
}

type Waiting<Value> = { resolve: (result: IteratorResult<Value, undefined>) => void, reject: (error: unknown) => void }

/**
 * A one-consumer async queue: the producer pushes values and closes (or
 * fails) it; the consumer iterates. Pushing never waits (a request produces a
 * bounded number of small events), so a slow reader cannot stall the token
 * loop other requests share.
 */
export class EventChannel<Value> implements AsyncIterable<Value> {
  readonly #buffer: Value[] = []
  #waiting: Waiting<Value> | undefined
  #closed = false
  #failure: { error: unknown } | undefined
  #iterating = false
  readonly #onReturn: () => void
  readonly #merge: EventChannelOptions<Value>['merge']
  readonly #pace: EventChannelOptions<Value>['pace']
  /** Until when (performance.now()) a lone waiting value is held back; see `pace`. */
  #holdUntil = 0
  #holdTimer: ReturnType<typeof setTimeout> | undefined

  constructor (options: EventChannelOptions<Value> = {}) {
    this.#onReturn = options.onReturn ?? (() => {})
    this.#merge = options.merge
    this.#pace = options.pace
  }

  get closed (): boolean {
    return this.#closed
  }

  /** Queues a value; ignored once closed. */
  push (value: Value): void {
    if (this.#closed) {
      return
    }
    const last = this.#buffer.length - 1
    const merged = last >= 0 ? this.#merge?.(this.#buffer[last] as Value, value) : undefined
    if (merged !== undefined) {
      this.#buffer[last] = merged
    } else {
      this.#buffer.push(value)
    }
    this.#deliver()
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
    this.#deliver()
  }

  /** Hands the consumer, if it is waiting, what it may have now: a value, or the end. */
  #deliver (): void {
    const waiting = this.#waiting
    if (waiting === undefined) {
      return
    }
    if (this.#buffer.length > 0) {
      const holdMs = this.#holdUntil - performance.now()
      if (this.#buffer.length === 1 && !this.#closed && holdMs > 0 && this.#pace?.after(this.#buffer[0] as Value) === true) {
        this.#holdTimer ??= setTimeout(() => {
          this.#holdTimer = undefined
          this.#deliver()
        }, holdMs)
        return
      }
      clearTimeout(this.#holdTimer)
      this.#holdTimer = undefined
      this.#waiting = undefined
      waiting.resolve({ value: this.#take(), done: false })
      return
    }
    if (this.#closed) {
      this.#waiting = undefined
      const failure = this.#failure
      this.#failure = undefined
      if (failure != null) {
        waiting.reject(failure.error)
      } else {
        waiting.resolve({ value: undefined, done: true })
      }
    }
  }

  #take (): Value {
    const value = this.#buffer.shift() as Value
    this.#holdUntil = this.#pace?.after(value) === true ? performance.now() + this.#pace.ms : 0
    return value
  }

  [Symbol.asyncIterator] (): AsyncIterator<Value, undefined> {
    if (this.#iterating) {
      throw new Error('a completion stream can be iterated only once')
    }
    this.#iterating = true
    return {
      next: async () => new Promise((resolve, reject) => {
        this.#waiting = { resolve, reject }
        this.#deliver()
      }),
      return: async () => {
        if (!this.#closed) {
          this.#onReturn()
        }
        this.#buffer.length = 0
        this.#failure = undefined
        clearTimeout(this.#holdTimer)
        this.#holdTimer = undefined
        // Ends the stream: a read still waiting gets the end.
        this.close()
        return { value: undefined, done: true }
      }
    }
  }
}
