import { createHash } from 'node:crypto'

/**
 * xoshiro128**: a small, fast PRNG whose output depends only on its seed.
 * Only integer arithmetic and exact float operations are used, so the
 * numbers (and the model files made from them) are the same on every
 * machine and Node version.
 */
export class SeededRandom {
  #state: Uint32Array

  /** Seeds from any text, e.g. `"shoal-demo/1/blk.0.attn_q"`. */
  constructor (seed: string) {
    const digest = createHash('sha256').update(seed).digest()
    this.#state = new Uint32Array([digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)])
    if (this.#state.every((word) => word === 0)) {
      this.#state[0] = 1
    }
  }

  /** A uniformly distributed u32. */
  nextUint32 (): number {
    const state = this.#state
    const s0 = state[0] ?? 0
    const s1 = state[1] ?? 0
    const s2 = state[2] ?? 0
    const s3 = state[3] ?? 0
    const result = Math.imul(rotateLeft(Math.imul(s1, 5), 7), 9) >>> 0
    const shifted = (s1 << 9) >>> 0
    const t2 = (s2 ^ s0) >>> 0
    const t3 = (s3 ^ s1) >>> 0
    state[1] = s1 ^ t2
    state[0] = s0 ^ t3
    state[2] = t2 ^ shifted
    state[3] = rotateLeft(t3, 11)
    return result
  }

  /** Uniform in [0, 1), 24 bits of resolution (exact in float32). */
  nextUnit (): number {
    return (this.nextUint32() >>> 8) / 16777216
  }

  /** Uniform with mean 0 and standard deviation `std`. */
  nextCentered (std: number): number {
    return (this.nextUnit() * 2 - 1) * Math.sqrt(3) * std
  }

  /** `count` values uniform with mean 0 and standard deviation `std`. */
  fill (count: number, std: number): Float32Array {
    const values = new Float32Array(count)
    for (let index = 0; index < count; index++) {
      values[index] = this.nextCentered(std)
    }
    return values
  }
}

function rotateLeft (value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0
}
