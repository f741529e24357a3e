import type { ServerResponse } from 'node:http'

/**
 * Writes streamed responses (SSE, NDJSON) with backpressure: when the socket's
 * buffer is full, `write` waits for `drain`, so a slow reader slows generation
 * down instead of growing memory. A write never waits on a client that is gone.
 */
export class StreamWriter {
  readonly #response: ServerResponse
  #closed = false
  readonly #waiters = new Set<(drained: boolean) => void>()

  constructor (response: ServerResponse) {
    this.#response = response
    response.once('close', () => {
      this.#closed = true
      for (const waiter of this.#waiters) {
        waiter(false)
      }
    })
    response.on('drain', () => {
      for (const waiter of this.#waiters) {
        waiter(true)
      }
    })
  }

  /** False once the client is gone or the response ended: nothing more will reach it. */
  get open (): boolean {
    return !this.#closed && !this.#response.destroyed && !this.#response.writableEnded
  }

  /** Resolves true once `chunk` is buffered below the high-water mark, false if the client went away. */
  async write (chunk: string): Promise<boolean> {
    if (!this.open) {
      return false
    }
    if (this.#response.write(chunk)) {
      return true
    }
    return new Promise<boolean>((resolve) => {
      const waiter = (drained: boolean): void => {
        this.#waiters.delete(waiter)
        resolve(drained)
      }
      this.#waiters.add(waiter)
    })
  }

  end (): void {
    if (this.open) {
      this.#response.end()
    }
  }
}
