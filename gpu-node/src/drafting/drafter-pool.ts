import { DraftJob } from './draft-job.ts'
import { PassCostModel } from './draft-policy.ts'
import type { DraftJobOutcome } from './draft-job.ts'
import type { DrafterConnection } from './drafter-connection.ts'
import type { DraftJobCloseReason } from '../../../src/lib/protocol/index.ts'
import type { DraftSource } from '../verifier/types.ts'

/** A drafter dropped from a job sits out this long, doubling with each further drop (at most 8 times). */
const BENCH_MS = 10_000
const MAX_BENCH_DOUBLINGS = 3

/** A drafter with no usable drafts for this long is stalled. */
export const DEFAULT_STALL_MS = 2_000

/** Drafting totals for `/metrics` and the bench. */
export interface DraftingStats {
  drafters: number
  jobsOpened: number
  /** Jobs by how they ended. */
  jobsClosed: Partial<Record<DraftJobCloseReason, number>>
  /** Drafted tokens the verifier evaluated, and how many it accepted. */
  offeredTokens: number
  acceptedTokens: number
}

interface Standing {
  /** Drops in a row (not paying, stalled, misbehaved); a good job resets it. */
  strikes: number
  benchedUntil: number
}

/**
 * The drafters connected to this verifier, and which of them drafts for
 * which answer: a drafter with a free job slot, not sitting out a penalty,
 * fewest jobs first. A drafter whose job was closed for not paying,
 * stalling or misbehaving sits out for a while, longer each time; one that
 * keeps failing is in effect never used.
 */
export class DrafterPool {
  readonly stats: DraftingStats = { drafters: 0, jobsOpened: 0, jobsClosed: {}, offeredTokens: 0, acceptedTokens: 0 }
  readonly #drafters = new Set<DrafterConnection>()
  readonly #standing = new Map<string, Standing>()
  readonly #cost = new PassCostModel()
  readonly #stallMs: number
  readonly #now: () => number
  #nextJobId = 1

  constructor (options: { stallMs?: number, now?: () => number } = {}) {
    this.#stallMs = options.stallMs ?? DEFAULT_STALL_MS
    this.#now = options.now ?? (() => performance.now())
  }

  add (drafter: DrafterConnection): void {
    this.#drafters.add(drafter)
    this.stats.drafters = this.#drafters.size
  }

  remove (drafter: DrafterConnection): void {
    this.#drafters.delete(drafter)
    this.stats.drafters = this.#drafters.size
  }

  /** Opens a job for an answer to `prompt` on the best free drafter, if any. */
  open (prompt: readonly number[]): DraftSource | undefined {
    const now = this.#now()
    let chosen: DrafterConnection | undefined
    for (const drafter of this.#drafters) {
      const benched = (this.#standing.get(drafter.peerId)?.benchedUntil ?? 0) > now
      if (drafter.ended || benched || drafter.jobs.size >= drafter.maxJobs) {
        continue
      }
      if (chosen == null || drafter.jobs.size < chosen.jobs.size) {
        chosen = drafter
      }
    }
    if (chosen == null) {
      return undefined
    }
    const drafter = chosen
    const jobId = this.#nextJobId++
    let job: DraftJob
    try {
      job = this.#createJob(drafter, jobId, prompt)
    } catch {
      // A context too large for one message: this answer goes without drafts.
      return undefined
    }
    drafter.jobs.set(jobId, job)
    this.stats.jobsOpened++
    return job
  }

  #createJob (drafter: DrafterConnection, jobId: number, prompt: readonly number[]): DraftJob {
    return new DraftJob({
      jobId,
      context: prompt,
      cost: this.#cost,
      stallMs: this.#stallMs,
      now: this.#now,
      send: (message) => { drafter.send(message) },
      onClose: (outcome) => {
        drafter.jobs.delete(jobId)
        this.#record(drafter.peerId, outcome)
      }
    })
  }

  #record (peerId: string, outcome: DraftJobOutcome): void {
    this.stats.jobsClosed[outcome.reason] = (this.stats.jobsClosed[outcome.reason] ?? 0) + 1
    this.stats.offeredTokens += outcome.offered
    this.stats.acceptedTokens += outcome.accepted
    const standing = this.#standing.get(peerId) ?? { strikes: 0, benchedUntil: 0 }
    if (outcome.reason === 'ANSWER_DONE') {
      standing.strikes = 0
    } else {
      standing.benchedUntil = this.#now() + BENCH_MS * 2 ** Math.min(standing.strikes, MAX_BENCH_DOUBLINGS)
      standing.strikes++
    }
    this.#standing.set(peerId, standing)
  }
}
