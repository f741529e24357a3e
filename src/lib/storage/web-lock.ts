/**
 * Web Locks, for the page's one-tab-at-a-time claims (the peer identity, the
 * contributor, each page life's streaming answers). Insecure contexts have
 * no `navigator.locks`; there every lock counts as taken by this tab, so a
 * page still works alone (two tabs may then both think they hold one).
 */

/** Gives a held lock back. */
export type ReleaseLock = () => void

export interface HoldOptions {
  /**
   * Give up at once when another tab holds the lock, instead of waiting for it.
   *
   * @default false
   */
  ifAvailable?: boolean
}

/**
 * Takes the Web Lock `name` and holds it until the returned function is
 * called or the page goes away. Resolves undefined when `ifAvailable` is set
 * and another tab holds it.
 */
export function holdWebLock (name: string, options: HoldOptions = {}): Promise<ReleaseLock | undefined> {
  if (typeof navigator === 'undefined' || navigator.locks === undefined) {
    return Promise.resolve(() => {})
  }
  return new Promise((resolve) => {
    void navigator.locks.request(name, { ifAvailable: options.ifAvailable ?? false }, async (lock) => {
      if (lock === null) {
        resolve(undefined)
        return
      }
      // The lock is held for as long as this callback's promise is pending.
      await new Promise<void>((release) => { resolve(release) })
    })
  })
}

/** The names of every Web Lock held now, by any tab of this origin. */
export async function heldWebLockNames (): Promise<Set<string>> {
  if (typeof navigator === 'undefined' || navigator.locks === undefined) {
    return new Set()
  }
  const snapshot = await navigator.locks.query()
  return new Set((snapshot.held ?? []).flatMap((lock) => lock.name === undefined ? [] : [lock.name]))
}

/**
 * Resolves once no tab holds the Web Lock `name` (at once without
 * `navigator.locks`): it takes the lock and gives it straight back.
 */
export async function whenWebLockFree (name: string): Promise<void> {
  if (typeof navigator === 'undefined' || navigator.locks === undefined) {
    return
  }
  await navigator.locks.request(name, async () => {})
}
