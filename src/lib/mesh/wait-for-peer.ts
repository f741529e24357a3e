/**
 * Waiting on the mesh's peer list instead of polling it: the page's
 * `MeshNode` fires `peers` whenever its list changes (an announcement, a
 * connection opening or closing, the periodic refresh), so whoever waits
 * for a peer is answered on the event that brings it, and no timer runs
 * meanwhile (hidden tabs throttle timers to once a second or less).
 */

/** The part of the mesh a waiter listens to (the page's `MeshNode` is one). */
export interface PeerEvents {
  addEventListener: (type: 'peers', listener: () => void) => void
  removeEventListener: (type: 'peers', listener: () => void) => void
}

/**
 * Resolves with what `pick` finds: at once when it finds something now,
 * else on the first `peers` event after which it does. Resolves undefined
 * when `signal` aborts first (a deadline: `AbortSignal.timeout(ms)`, or a
 * stop).
 *
 * @example
 * ```ts
 * const verifier = await waitForPeer(mesh, () => pickVerifier(mesh.peers), { signal: AbortSignal.timeout(8_000) })
 * if (verifier === undefined) console.log('no verifier within 8 s')
 * ```
 */
export function waitForPeer<T> (mesh: PeerEvents, pick: () => T | undefined, options: { signal: AbortSignal }): Promise<T | undefined> {
  const { signal } = options
  const now = signal.aborted ? undefined : pick()
  if (now !== undefined || signal.aborted) {
    return Promise.resolve(now)
  }
  return new Promise((resolve) => {
    const finish = (found: T | undefined): void => {
      mesh.removeEventListener('peers', onPeers)
      signal.removeEventListener('abort', onAbort)
      resolve(found)
    }
    const onPeers = (): void => {
      const found = pick()
      if (found !== undefined) finish(found)
    }
    const onAbort = (): void => { finish(undefined) }
    mesh.addEventListener('peers', onPeers)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
