/** Retry timing every Shoal process uses when a peer or relay is unreachable. */

export interface BackoffInit {
  /**
   * First delay, in ms.
   *
   * @default 500
   */
  initialMs?: number
  /**
   * Longest delay, in ms.
   *
   * @default 10000
   */
  maxMs?: number
  /**
   * Each delay is scaled by a random factor in [1 - jitter, 1 + jitter] so
   * that peers cut off together do not all come back in the same instant.
   *
   * @default 0.2
   */
  jitter?: number
  /** @default Math.random */
  random?: () => number
}

/** Delay before retry number `attempt` (0-based): doubling from `initialMs` up to `maxMs`, with jitter. */
export function backoffDelay (attempt: number, init: BackoffInit = {}): number {
  const initialMs = init.initialMs ?? 500
  const maxMs = init.maxMs ?? 10_000
  const jitter = init.jitter ?? 0.2
  const random = init.random ?? Math.random
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30))
  return Math.round(base * (1 - jitter + 2 * jitter * random()))
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
