/**
 * How many announcements one author may publish per window. An honest peer
 * announces every ANNOUNCE_INTERVAL_MS (3 s) and, on news (a newcomer, new
 * addresses, a conversation kept warm), as soon as its announcer's 250 ms
 * minimum gap allows: at most 40 in 10 s. Past 50, it is flooding.
 */
export const MAX_ANNOUNCEMENTS_PER_WINDOW = 50
export const ANNOUNCEMENT_WINDOW_MS = 10_000

/** Authors tracked at once: the oldest window is forgotten past this, so a flood of fresh ids costs bounded memory. */
const MAX_TRACKED_AUTHORS = 4_096

/**
 * Counts each author's announcements in fixed windows, for the gossip topic
 * validator. Every peer runs one, so an author over its budget is cut off
 * by the peer it publishes to, and the rest of the mesh never sees the excess.
 */
export class AnnouncementRate {
  readonly #windows = new Map<string, { startedAt: number, count: number }>()

  /** Records one announcement by `author` at `now`; false when it is over the author's budget. */
  allow (author: string, now: number = Date.now()): boolean {
    let window = this.#windows.get(author)
    if (window === undefined || now - window.startedAt >= ANNOUNCEMENT_WINDOW_MS) {
      window = { startedAt: now, count: 0 }
      // Re-inserted last: the map's first entry is then the author heard from longest ago.
      this.#windows.delete(author)
      this.#windows.set(author, window)
      this.#forgetOldest()
    }
    window.count++
    return window.count <= MAX_ANNOUNCEMENTS_PER_WINDOW
  }

  get tracked (): number {
    return this.#windows.size
  }

  #forgetOldest (): void {
    while (this.#windows.size > MAX_TRACKED_AUTHORS) {
      const oldest = this.#windows.keys().next().value
      if (oldest === undefined) {
        return
      }
      this.#windows.delete(oldest)
    }
  }
}
