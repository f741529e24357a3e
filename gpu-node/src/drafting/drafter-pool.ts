import { DraftJob } from './draft-job.ts'
import { PassCostModel } from './draft-policy.ts'
import type { DraftJobOutcome } from './draft-job.ts'
import type { DrafterConnection } from './drafter-connection.ts'
import type { DraftJobCloseReason } from '#protocol'
import type { DraftSource } from '../verifier/types.ts'

/** A drafter dropped from a job sits out this long, doubling with each further drop (at most 8 times). */
const BENCH_MS = 10_000
const MAX_BENCH_DOUBLINGS = 3
/** Drops in a row after which a drafter whose drafts are mostly wrong gets no more jobs from this verifier. */
export const MAX_STRIKES = 6
/** Acceptance below which a drafter's drafts waste passes (one that is right more often but late is only benched). */
const WASTEFUL_ACCEPTANCE = 0.3
/** Weight of the newest job in a drafter's acceptance record. */
const REPUTATION_SMOOTHING = 0.3

/**
 * Drafters not yet proven here (none of their jobs drafted well) share a
 * probation lane: this many jobs at once among all of them, so a flood of
 * fresh peer ids holds no more jobs than one drafter would.
 */
export const PROBATION_SLOTS = 4
/**
 * New drafters in a row whose first job wasted passes, after which the lane
 * closes: a flood rotating identities gets no more jobs. With the slots'
 * other jobs still in flight then, it has held at most 6 + 3 = 9.
 */
export const PROBATION_FAILURES_TO_CLOSE = 6
/** How long a closed probation lane stays closed; proven drafters keep drafting meanwhile. */
const PROBATION_CLOSED_MS = 10 * 60_000

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
  /** Drafters that wasted passes so often they get no more jobs. */
  dropped: number
  /** Positions verified while a draft job was open, and of those, positions a draft had arrived for in time. */
  positionsVerified: number
  positionsOnTime: number
  /** Passes in which a draft was rejected (per-token acceptance: accepted / (accepted + these)). */
  rejectedPasses: number
  /** Times the probation lane closed after a run of wasteful jobs from unproven drafters. */
  probationClosures: number
}

/** A drafter's reputation here, kept by peer id so reconnecting does not wipe it. */
interface Standing {
  /** Drops in a row (not paying, stalled, misbehaved, failed); a job that lasts its answer resets it. */
  strikes: number
  benchedUntil: number
  /** Acceptance of its drafts over recent jobs (moving average); starts neutral. */
  acceptance: number
  /** No more jobs: it kept wasting passes. */
  dropped: boolean
  /** One of its jobs drafted well: it no longer needs the probation lane. */
  proven: boolean
}

/**
 * The drafters connected to this verifier, and which of them drafts for
 * which answer: the best reputation (acceptance over recent jobs) among
 * those with a free job slot and not sitting out a penalty, then fewest
 * jobs. A drafter whose job was closed for not paying, stalling,
 * misbehaving or failing it sits out for a while, longer each time, and holds one job at
 * a time until it does a job well; after {@link MAX_STRIKES} drops in a row
 * with drafts mostly wrong, it gets none.
 *
 * A fresh peer id costs nothing, so reputation alone cannot stop a flooder
 * that rotates identities: drafters not yet proven share a probation lane of
 * {@link PROBATION_SLOTS} jobs, and after {@link PROBATION_FAILURES_TO_CLOSE}
 * new drafters in a row whose first job wasted passes, the lane closes for
 * ten minutes. Proven
 * drafters are not held back meanwhile; newcomers wait.
 */
export class DrafterPool {
  readonly stats: DraftingStats = { drafters: 0, jobsOpened: 0, jobsClosed: {}, offeredTokens: 0, acceptedTokens: 0, dropped: 0, positionsVerified: 0, positionsOnTime: 0, rejectedPasses: 0, probationClosures: 0 }
  readonly #drafters = new Set<DrafterConnection>()
  readonly #standing = new Map<string, Standing>()
  readonly #cost = new PassCostModel()
  readonly #now: () => number
  #nextJobId = 1
  /** Jobs held now by unproven drafters. */
  #probationJobs = 0
  #probationFailuresInRow = 0
  #probationClosedUntil = 0

  constructor (options: { now?: () => number } = {}) {
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

  /** Opens a job for an answer to `prompt` on the best free drafter other than `asker` (who asked for it), if any. */
  open (prompt: readonly number[], asker?: string): DraftSource | undefined {
    const now = this.#now()
    const probationOpen = this.#probationJobs < PROBATION_SLOTS && this.#probationClosedUntil <= now
    let chosen: DrafterConnection | undefined
    let chosenStanding: Standing | undefined
    for (const drafter of this.#drafters) {
      const standing = this.standingOf(drafter.peerId)
      const jobSlots = standing.strikes > 0 ? 1 : drafter.maxJobs
      if (drafter.ended || drafter.peerId === asker || standing.dropped || standing.benchedUntil > now || drafter.jobs.size >= jobSlots || (!standing.proven && !probationOpen)) {
        continue
      }
      const better = chosen == null || chosenStanding == null ||
        standing.acceptance > chosenStanding.acceptance ||
        (standing.acceptance === chosenStanding.acceptance && drafter.jobs.size < chosen.jobs.size)
      if (better) {
        chosen = drafter
        chosenStanding = standing
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
    const onProbation = !this.standingOf(drafter.peerId).proven
    // A flooder rotating identities shows itself in each new identity's first job; one identity's later jobs are its own strikes.
    const firstJob = !this.#standing.has(drafter.peerId)
    if (onProbation) {
      this.#probationJobs++
    }
    return new DraftJob({
      jobId,
      drafter: drafter.peerId,
      reachable: () => !drafter.ended,
      context: prompt,
      cost: this.#cost,
      stallMs: DEFAULT_STALL_MS,
      now: this.#now,
      send: (message) => { drafter.send(message) },
      onClose: (outcome) => {
        drafter.jobs.delete(jobId)
        if (onProbation) {
          this.#probationJobs--
          this.#recordProbation(outcome, firstJob)
        }
        this.#record(drafter.peerId, outcome)
      }
    })
  }

  /** A drafter's reputation here (neutral for one never seen). */
  standingOf (peerId: string): Readonly<Standing> {
    return this.#standing.get(peerId) ?? { strikes: 0, benchedUntil: 0, acceptance: 0.5, dropped: false, proven: false }
  }

  /** Whether new drafters may get jobs now (the probation lane is not closed). */
  get probationOpen (): boolean {
    return this.#probationClosedUntil <= this.#now()
  }

  #recordProbation (outcome: DraftJobOutcome, firstJob: boolean): void {
    if (draftedWell(outcome)) {
      this.#probationFailuresInRow = 0
      return
    }
    if (!firstJob || !wasted(outcome)) {
      return
    }
    this.#probationFailuresInRow++
    if (this.#probationFailuresInRow >= PROBATION_FAILURES_TO_CLOSE) {
      this.#probationClosedUntil = this.#now() + PROBATION_CLOSED_MS
      this.stats.probationClosures++
      // Reopened, two more wasteful jobs close it again.
      this.#probationFailuresInRow = PROBATION_FAILURES_TO_CLOSE - 2
    }
  }

  #record (peerId: string, outcome: DraftJobOutcome): void {
    this.stats.jobsClosed[outcome.reason] = (this.stats.jobsClosed[outcome.reason] ?? 0) + 1
    this.stats.offeredTokens += outcome.offered
    this.stats.acceptedTokens += outcome.accepted
    this.stats.positionsVerified += outcome.positions
    this.stats.positionsOnTime += outcome.onTime
    this.stats.rejectedPasses += outcome.rejections
    const standing = { ...this.standingOf(peerId) }
    if (outcome.compared > 0) {
      standing.acceptance += REPUTATION_SMOOTHING * (outcome.acceptance - standing.acceptance)
    }
    standing.proven ||= draftedWell(outcome)
    if (outcome.reason === 'ANSWER_DONE') {
      standing.strikes = 0
    } else {
      standing.benchedUntil = this.#now() + BENCH_MS * 2 ** Math.min(standing.strikes, MAX_BENCH_DOUBLINGS)
      standing.strikes++
      if (!standing.dropped && standing.strikes >= MAX_STRIKES && standing.acceptance < WASTEFUL_ACCEPTANCE) {
        standing.dropped = true
        this.stats.dropped++
      }
    }
    this.#standing.set(peerId, standing)
  }
}

/** Its drafts were compared with the verifier's tokens and were mostly right. */
function draftedWell (outcome: DraftJobOutcome): boolean {
  return outcome.compared > 0 && outcome.acceptance >= WASTEFUL_ACCEPTANCE
}

/** It cost the verifier something for nothing: drafts mostly wrong, or broke the protocol. */
function wasted (outcome: DraftJobOutcome): boolean {
  return outcome.reason === 'DRAFTER_MISBEHAVED' || (outcome.compared > 0 && outcome.acceptance < WASTEFUL_ACCEPTANCE)
}
