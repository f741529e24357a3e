import { BusyError, LimitError } from './errors.ts'

/**
 * Who runs when: a fixed set of slots (the context's sequences), a bounded
 * queue in front of them, and per-client limits. Model-free, so it is
 * tested without llama.cpp.
 *
 * Queue order: contributors first. A job whose client has accepted draft
 * tokens to its credit is queued as if it had arrived earlier: by
 * {@link CONTRIBUTOR_HEAD_START_MS}, plus more the more tokens, up to
 * {@link MAX_HEAD_START_MS}. Everyone else is first come, first served. The
 * head start is bounded, so waiting ages a request: one that has waited
 * longer than the largest head start is ahead of any request arriving now,
 * and nobody starves.
 *
 * Admission is synchronous: `submit` either accepts a job (running it at once
 * when a slot is free, else queueing it) or throws at once, so a client
 * learns "busy" or "over your limit" before any stream starts.
 */

export interface SchedulerInit<Slot> {
  /** The slots jobs run in; their number is the capacity. */
  slots: readonly Slot[]
  /** Most jobs waiting for a slot; one more is refused with BusyError. */
  queueSize: number
  /** Most jobs (running and queued) one client may have. */
  perClientMaxConcurrent: number
  /** Most tokens one job may ask for. */
  perClientMaxTokens: number
  /**
   * Time per generated token assumed until one is measured, for ETAs.
   *
   * @default 50
   */
  initialTokenMs?: number
  /** Clock, for tests. @default Date.now */
  now?: () => number
}

/** Head start of a job whose client has any accepted draft tokens in the recent window. */
export const CONTRIBUTOR_HEAD_START_MS = 60_000
/** Further head start per accepted draft token. */
const HEAD_START_MS_PER_TOKEN = 100
/** The most head start credit can buy: how long a consumer may be overtaken. */
export const MAX_HEAD_START_MS = 300_000

/** How far ahead of its arrival time a job with `credit` accepted draft tokens is queued. */
export function headStartMs (credit: number): number {
  return credit > 0 ? Math.min(MAX_HEAD_START_MS, CONTRIBUTOR_HEAD_START_MS + credit * HEAD_START_MS_PER_TOKEN) : 0
}

export interface JobInit<Slot> {
  clientId: string
  /** Accepted draft tokens to the client's credit over the recent window (0: a consumer). */
  credit?: number
  /** Tokens the job may generate (its worst case, for limits and ETAs). */
  maxTokens: number
  signal?: AbortSignal
  /** Runs the job in a slot. The slot is free again when the promise settles. */
  run: (slot: Slot) => Promise<void>
  /** While queued: the job's 1-based position and an estimate of when it starts. */
  onQueued: (position: number, etaMs: number) => void
  /** The job was aborted before it got a slot. */
  onCancelledWhileQueued: () => void
  /**
   * Which of the free slots (at least one) the job should take, e.g. the one
   * whose cache holds its conversation; none or one not among them: the
   * slot free the longest.
   */
  preferSlot?: (free: readonly Slot[]) => Slot | undefined
}

interface Job<Slot> extends JobInit<Slot> {
  submittedAt: number
  /** Arrival time less the head start: the queue is kept in this order. */
  rank: number
  position: number
  detachAbort: () => void
}

interface Running {
  startedAt: number
  expectedTokens: number
}

/** Weight of the newest sample in the moving averages behind ETAs. */
const SMOOTHING = 0.2

export class Scheduler<Slot> {
  readonly #freeSlots: Slot[]
  readonly #running = new Map<Slot, Running>()
  readonly #queue: Array<Job<Slot>> = []
  readonly #perClient = new Map<string, number>()
  readonly #init: SchedulerInit<Slot>
  readonly #now: () => number
  #tokenMs: number
  #averageTokens: number | undefined
  #closed = false

  constructor (init: SchedulerInit<Slot>) {
    if (init.slots.length < 1) {
      throw new RangeError('a scheduler needs at least one slot')
    }
    this.#init = init
    this.#freeSlots = [...init.slots]
    this.#now = init.now ?? Date.now
    this.#tokenMs = init.initialTokenMs ?? 50
  }

  get capacity (): number {
    return this.#init.slots.length
  }

  /** Jobs waiting for a slot. */
  get queueDepth (): number {
    return this.#queue.length
  }

  /** Jobs holding a slot. */
  get runningCount (): number {
    return this.#running.size
  }

  /** Measured time per generated token of one sequence (moving average). */
  get tokenMs (): number {
    return this.#tokenMs
  }

  /** Reports how long a job's tokens took, to sharpen ETAs. */
  recordThroughput (tokens: number, elapsedMs: number): void {
    if (tokens <= 0 || elapsedMs <= 0) {
      return
    }
    const sample = elapsedMs / tokens
    this.#tokenMs = this.#tokenMs * (1 - SMOOTHING) + sample * SMOOTHING
  }

  /**
   * Throws what `submit` would throw for this job now, and nothing else. A
   * caller checks first when making the job costs something (a prompt to
   * tokenize): under a flood, refusals stay cheap and the node responsive.
   *
   * @throws {LimitError} when the client has too many jobs or asks for too many tokens
   * @throws {BusyError} when the queue is full, or the scheduler is closed
   */
  checkAdmission (init: Pick<JobInit<Slot>, 'clientId' | 'maxTokens'>): void {
    if (this.#closed) {
      throw new BusyError(5)
    }
    if (init.maxTokens > this.#init.perClientMaxTokens) {
      throw new LimitError(`maxTokens ${init.maxTokens} is over this verifier's limit of ${this.#init.perClientMaxTokens} per request`)
    }
    const clientJobs = this.#perClient.get(init.clientId) ?? 0
    if (clientJobs >= this.#init.perClientMaxConcurrent) {
      throw new LimitError(`client already has ${clientJobs} requests in progress; the limit is ${this.#init.perClientMaxConcurrent}`)
    }
    // A job waits unless it can start at once (a free slot, nobody queued ahead); the queue is bounded.
    const mustWait = this.#freeSlots.length === 0 || this.#queue.length > 0
    if (mustWait && this.#queue.length >= this.#init.queueSize) {
      throw new BusyError(this.retryAfterSeconds())
    }
  }

  /**
   * Accepts a job or throws.
   *
   * @throws {LimitError} when the client has too many jobs or asks for too many tokens
   * @throws {BusyError} when the queue is full, or the scheduler is closed
   */
  submit (init: JobInit<Slot>): void {
    this.checkAdmission(init)
    const clientJobs = this.#perClient.get(init.clientId) ?? 0
    const slot = this.#queue.length === 0 ? this.#takeFreeSlot(init) : undefined
    this.#perClient.set(init.clientId, clientJobs + 1)
    const submittedAt = this.#now()
    const job: Job<Slot> = { ...init, submittedAt, rank: submittedAt - headStartMs(init.credit ?? 0), position: 0, detachAbort: () => {} }
    if (slot !== undefined) {
      this.#start(job, slot)
      return
    }
    const onAbort = (): void => { this.#cancelQueued(job) }
    init.signal?.addEventListener('abort', onAbort, { once: true })
    job.detachAbort = () => init.signal?.removeEventListener('abort', onAbort)
    const behind = this.#queue.findIndex((queued) => queued.rank > job.rank)
    this.#queue.splice(behind === -1 ? this.#queue.length : behind, 0, job)
    this.#announcePositions()
  }

  /** Seconds until the queue is likely to have room again (at least 1). */
  retryAfterSeconds (): number {
    const [first] = this.#slotFreeTimes(1)
    return Math.max(1, Math.ceil((first ?? 0) / 1000))
  }

  /** Refuses new jobs and cancels queued ones; running jobs finish (their owners abort them). */
  close (): void {
    this.#closed = true
    for (const job of this.#queue.splice(0)) {
      this.#finishQueued(job)
    }
  }

  #start (job: Job<Slot>, slot: Slot): void {
    this.#running.set(slot, { startedAt: this.#now(), expectedTokens: this.#expectedTokens(job.maxTokens) })
    const release = (): void => {
      this.#running.delete(slot)
      this.#release(job.clientId)
      this.#freeSlots.push(slot)
      this.#dispatch()
    }
    // Never throws out of here: a failing job frees its slot like any other.
    job.run(slot).then(release, release)
  }

  /** A free slot for `job`: the one it prefers, else the one free the longest. */
  #takeFreeSlot (job: Pick<JobInit<Slot>, 'preferSlot'>): Slot | undefined {
    if (this.#freeSlots.length === 0) {
      return undefined
    }
    const preferred = job.preferSlot?.(this.#freeSlots)
    const index = preferred === undefined ? -1 : this.#freeSlots.indexOf(preferred)
    return this.#freeSlots.splice(index === -1 ? 0 : index, 1)[0]
  }

  #dispatch (): void {
    let started = false
    while (this.#freeSlots.length > 0 && this.#queue.length > 0) {
      const job = this.#queue.shift()
      const slot = job === undefined ? undefined : this.#takeFreeSlot(job)
      if (job === undefined || slot === undefined) {
        break
      }
      job.detachAbort()
      this.#start(job, slot)
      started = true
    }
    if (started) {
      this.#announcePositions()
    }
  }

  #cancelQueued (job: Job<Slot>): void {
    const index = this.#queue.indexOf(job)
    if (index === -1) {
      return
    }
    this.#queue.splice(index, 1)
    this.#finishQueued(job)
    this.#announcePositions()
  }

  #finishQueued (job: Job<Slot>): void {
    job.detachAbort()
    this.#release(job.clientId)
    job.onCancelledWhileQueued()
  }

  #release (clientId: string): void {
    const remaining = (this.#perClient.get(clientId) ?? 1) - 1
    if (remaining <= 0) {
      this.#perClient.delete(clientId)
    } else {
      this.#perClient.set(clientId, remaining)
    }
  }

  /** Tells every queued job whose position changed where it stands now. */
  #announcePositions (): void {
    const startTimes = this.#slotFreeTimes(this.#queue.length)
    for (const [index, job] of this.#queue.entries()) {
      const position = index + 1
      if (job.position !== position) {
        job.position = position
        job.onQueued(position, Math.round(startTimes[index] ?? 0))
      }
    }
  }

  #expectedTokens (maxTokens: number): number {
    return Math.min(maxTokens, this.#averageTokens ?? maxTokens)
  }

  /**
   * When each of the first `count` queued jobs is likely to get a slot, in ms
   * from now: running jobs end after their expected tokens, and each queued
   * job takes the first slot to free up.
   */
  #slotFreeTimes (count: number): number[] {
    const now = this.#now()
    const freeAt: number[] = this.#freeSlots.map(() => 0)
    for (const running of this.#running.values()) {
      freeAt.push(Math.max(0, running.startedAt + running.expectedTokens * this.#tokenMs - now))
    }
    const starts: number[] = []
    for (let index = 0; index < count; index++) {
      freeAt.sort((left, right) => left - right)
      const start = freeAt[0] ?? 0
      starts.push(start)
      const job = this.#queue[index]
      freeAt[0] = start + this.#expectedTokens(job?.maxTokens ?? 256) * this.#tokenMs
    }
    return starts
  }

  /** Reports how many tokens a finished job generated, to sharpen ETAs. */
  recordCompletion (tokens: number): void {
    this.#averageTokens = this.#averageTokens == null ? tokens : this.#averageTokens * (1 - SMOOTHING) + tokens * SMOOTHING
  }
}
