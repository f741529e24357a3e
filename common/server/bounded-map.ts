/**
 * A map that holds at most `capacity` entries, forgetting the one touched
 * longest ago to make room: per-peer state keyed by peer ids a stranger
 * chooses, so a flood of fresh ids costs bounded memory. Reading an entry
 * counts as touching it.
 *
 * @example
 * const buckets = new BoundedMap<string, number>(2)
 * buckets.set('a', 1); buckets.set('b', 2); buckets.get('a'); buckets.set('c', 3)
 * buckets.has('b') // false: 'a' was read since, so 'b' was the oldest
 */
export class BoundedMap<K, V> {
  readonly capacity: number
  // A Map iterates in insertion order: re-inserting on each touch keeps the oldest first.
  readonly #entries = new Map<K, V>()

  constructor (capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`a bounded map needs a capacity of at least 1, not ${capacity}`)
    }
    this.capacity = capacity
  }

  get size (): number {
    return this.#entries.size
  }

  has (key: K): boolean {
    return this.#entries.has(key)
  }

  get (key: K): V | undefined {
    if (!this.#entries.has(key)) return undefined
    const value = this.#entries.get(key) as V
    this.#entries.delete(key)
    this.#entries.set(key, value)
    return value
  }

  set (key: K, value: V): this {
    this.#entries.delete(key)
    this.#entries.set(key, value)
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next()
      if (oldest.done === true) break
      this.#entries.delete(oldest.value)
    }
    return this
  }

  delete (key: K): boolean {
    return this.#entries.delete(key)
  }
}
