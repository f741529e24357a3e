/**
 * A bounded history of samples over time, for the pages' charts: each sample
 * is a time and a value per named series (a peer's round trip, a verifier's
 * load). Series may come and go (peers join and leave): a series missing from
 * a sample has a gap (null) there. Samples older than the window, or beyond
 * the count, are dropped, so a tab left open for days holds no more than the
 * last minutes. Pure: no timers; the page's state class samples.
 *
 * @example
 * ```ts
 * const history = new RollingHistory({ windowMs: 10 * 60_000, maxSamples: 300 })
 * history.push(Date.now(), { relay: 18, 'verifier …VvoA': 9 })
 * const { times, series } = history.columns()
 * ```
 */

export interface RollingHistoryInit {
  /** How far back samples are kept, in milliseconds. */
  windowMs: number
  /** The most samples kept, whatever their age. */
  maxSamples: number
}

export interface HistoryColumns {
  /** Sample times, ms since the epoch, oldest first. */
  times: number[]
  /** One column per series, in the order they first appeared, aligned with `times`. */
  series: Array<{ key: string, values: Array<number | null> }>
}

export class RollingHistory {
  readonly #windowMs: number
  readonly #maxSamples: number
  #times: number[] = []
  readonly #series = new Map<string, Array<number | null>>()

  constructor (init: RollingHistoryInit) {
    this.#windowMs = init.windowMs
    this.#maxSamples = init.maxSamples
  }

  /** Adds a sample at `at` (ms); undefined values count as gaps. */
  push (at: number, values: Readonly<Record<string, number | undefined>>): void {
    const index = this.#times.length
    this.#times.push(at)
    for (const [key, value] of Object.entries(values)) {
      let column = this.#series.get(key)
      if (column === undefined) {
        column = new Array<number | null>(index).fill(null)
        this.#series.set(key, column)
      }
      column.push(value ?? null)
    }
    for (const column of this.#series.values()) {
      if (column.length < this.#times.length) column.push(null)
    }
    this.#trim(at)
  }

  get size (): number {
    return this.#times.length
  }

  /** The samples as columns (copies: safe to hand to a chart). */
  columns (): HistoryColumns {
    return {
      times: [...this.#times],
      series: [...this.#series].map(([key, values]) => ({ key, values: [...values] }))
    }
  }

  #trim (now: number): void {
    let drop = 0
    while (drop < this.#times.length && (this.#times.length - drop > this.#maxSamples || now - (this.#times[drop] ?? now) > this.#windowMs)) drop++
    if (drop === 0) return
    this.#times = this.#times.slice(drop)
    for (const [key, column] of this.#series) {
      const kept = column.slice(drop)
      // A series with nothing left in the window (a peer long gone) goes entirely.
      if (kept.every((value) => value === null)) this.#series.delete(key)
      else this.#series.set(key, kept)
    }
  }
}
