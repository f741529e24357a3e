import { DraftJobState } from './draft-job-state.ts'
import type { DraftTransport } from './draft-transport.ts'
// The engine interface itself, not the inference door: drafting is also compiled for Node (tsconfig.node.json), where WebLLM's types do not resolve.
import type { InferenceEngine } from '../inference/engine.ts'
import type { DraftRefusalCode, ReceiptGapRequest, SignedReceipt } from '#protocol'

/** What drafting needs of an engine: the token-level API (wllama's, in the page). */
export type DraftEngine = Pick<InferenceEngine, 'evaluate' | 'generateGreedy' | 'rewind'>

/** Drafts generated per engine call: small, so verdicts and other jobs get a turn often. */
const DRAFT_CHUNK = 1

/**
 * Drafts one job may make in a row while others wait. Switching jobs costs a
 * prefill of the next job's whole context (the engine holds one KV cache), far
 * more than a draft step, so a job keeps the engine this long; each draft still
 * goes out the moment it is made.
 */
const MAX_RUN = 16

/** Window over which drafted tokens per second are measured. */
const RATE_WINDOW_MS = 5_000

export interface DrafterStats {
  /** Jobs held now. */
  activeJobs: number
  /** Jobs received since the start. */
  jobs: number
  /** Tokens drafted and sent. */
  draftedTokens: number
  /** Tokens drafted too late: the verifier had already written past them (this device is slower than the verifier). */
  lateTokens: number
  /** Of those, accepted by the verifier. */
  acceptedTokens: number
  /** Tokens the draft model generated per second over the last few seconds (late ones included). */
  tokensPerSecond: number
  /** Context tokens received: what this drafter was allowed to see. */
  contextTokens: number
}

export interface DrafterInit {
  engine: DraftEngine
  transport: DraftTransport
  /** The draft model's name (for the verifier's logs). */
  model: string
  /** The loaded model's tokenizer fingerprint: the verifier refuses drafters whose tokenizer differs. */
  tokenizerFingerprint: string
  /** The engine's context window: jobs longer than this are declined. */
  contextLength: number
  /**
   * Jobs held at once; they share one engine, taking turns.
   *
   * @default 4
   */
  maxJobs?: number
  /**
   * What this drafter holds of its receipt chain from the verifier, to have
   * the rest sent again after the welcome (they come to `onReceipt`).
   */
  receiptGaps?: ReceiptGapRequest
  /** A receipt arrived from the verifier: `drafted`, or any kind sent again (unchecked: the receiver verifies it). */
  onReceipt?: (receipt: SignedReceipt) => void
  now?: () => number
}

/** The verifier refused this drafter (`code` says why, e.g. `TOKENIZER_MISMATCH`). */
export class DraftRefusedError extends Error {
  override readonly name = 'DraftRefusedError'
  constructor (readonly code: DraftRefusalCode, message: string) {
    super(message)
  }
}

/**
 * Drafts for one verifier over one draft stream: holds each job's context in
 * the engine's KV cache and drafts ahead of the last verified token
 * continuously, without waiting for verdicts; on a verdict that contradicts
 * its drafts it rewinds and starts a new chain from the verified tokens.
 * Jobs share the engine: the one with the fewest drafts ready goes next, and
 * switching jobs rewinds the KV cache only as far as their tokens differ.
 *
 * @example
 * ```ts
 * const drafter = new Drafter({ engine, transport: draftTransport(stream), model: 'shoal-demo-draft', tokenizerFingerprint, contextLength: 2048 })
 * await drafter.run(signal) // until the stream ends; throws DraftRefusedError if refused
 * ```
 */
export class Drafter {
  readonly #init: DrafterInit
  readonly #jobs = new Map<number, DraftJobState>()
  readonly #now: () => number
  /** The tokens in the engine's context; undefined when unknown (after an engine error), so the next load clears it. */
  #engineTokens: number[] | undefined = []
  #maxBatchTokens = DRAFT_CHUNK
  #wake: (() => void) | undefined
  #stopped = false
  /** The job the engine's context holds now, and drafts made for it since it got the engine. */
  #current: DraftJobState | undefined
  #run = 0
  readonly #recent: Array<{ at: number, tokens: number }> = []
  readonly #stats = { jobs: 0, draftedTokens: 0, lateTokens: 0, acceptedTokens: 0, contextTokens: 0 }

  constructor (init: DrafterInit) {
    this.#init = init
    this.#now = init.now ?? (() => performance.now())
  }

  get stats (): DrafterStats {
    const since = this.#now() - RATE_WINDOW_MS
    while (this.#recent.length > 0 && (this.#recent[0]?.at ?? 0) < since) {
      this.#recent.shift()
    }
    const recentTokens = this.#recent.reduce((sum, entry) => sum + entry.tokens, 0)
    return { ...this.#stats, activeJobs: this.#jobs.size, tokensPerSecond: recentTokens / (RATE_WINDOW_MS / 1000) }
  }

  /**
   * Says hello, then drafts until the stream ends or `signal` aborts.
   *
   * @throws {DraftRefusedError} when the verifier refuses (at the start or later)
   */
  async run (signal?: AbortSignal): Promise<void> {
    const { transport } = this.#init
    const stop = (): void => { void transport.close() }
    signal?.addEventListener('abort', stop, { once: true })
    try {
      await transport.send({ type: 'hello', model: this.#init.model, tokenizerFingerprint: this.#init.tokenizerFingerprint, maxJobs: this.#init.maxJobs ?? 4, receipts: this.#init.receiptGaps })
      const first = await transport.receive()
      if (first.type === 'refusal') {
        throw new DraftRefusedError(first.code, first.message)
      }
      if (first.type !== 'welcome') {
        throw new Error(`the verifier sent ${first.type} before welcome`)
      }
      this.#maxBatchTokens = Math.max(1, Math.min(first.maxBatchTokens, DRAFT_CHUNK))
      const drafting = this.#draftLoop()
      try {
        await this.#receiveLoop()
      } finally {
        this.#stopped = true
        this.#wake?.()
        await drafting
      }
    } catch (err) {
      if (signal?.aborted === true) {
        return
      }
      throw err
    } finally {
      signal?.removeEventListener('abort', stop)
      this.#jobs.clear()
      await transport.close()
    }
  }

  async #receiveLoop (): Promise<void> {
    const { transport } = this.#init
    while (true) {
      const message = await transport.receive()
      switch (message.type) {
        case 'open':
          if (this.#jobs.size >= (this.#init.maxJobs ?? 4)) {
            await transport.send({ type: 'failed', jobId: message.jobId, message: 'this drafter holds as many jobs as it offered' })
          } else if (message.context.length + message.lookahead >= this.#init.contextLength) {
            await transport.send({ type: 'failed', jobId: message.jobId, message: `the context is longer than this drafter's ${this.#init.contextLength} tokens` })
          } else {
            this.#jobs.set(message.jobId, new DraftJobState(message.jobId, message.context, message.lookahead))
            this.#stats.jobs++
            this.#stats.contextTokens += message.context.length
          }
          break
        case 'verdict': {
          const job = this.#jobs.get(message.jobId)
          if (job == null) {
            break
          }
          if (!job.applyVerdict(message)) {
            this.#jobs.delete(message.jobId)
            await transport.send({ type: 'failed', jobId: message.jobId, message: 'verdict out of order' })
            break
          }
          this.#stats.acceptedTokens += message.accepted
          if (job.verified.length + job.lookahead >= this.#init.contextLength) {
            this.#jobs.delete(message.jobId)
            await transport.send({ type: 'failed', jobId: message.jobId, message: `the answer outgrew this drafter's ${this.#init.contextLength} tokens` })
          }
          break
        }
        case 'close':
          this.#jobs.delete(message.jobId)
          break
        case 'receipt':
          this.#init.onReceipt?.(message.receipt)
          break
        case 'refusal':
          throw new DraftRefusedError(message.code, message.message)
        case 'welcome':
          throw new Error('the verifier sent welcome twice')
      }
      this.#wake?.()
    }
  }

  async #draftLoop (): Promise<void> {
    while (!this.#stopped) {
      const job = this.#nextJob()
      if (job == null) {
        await new Promise<void>((resolve) => { this.#wake = resolve })
        this.#wake = undefined
        continue
      }
      try {
        await this.#draftFor(job)
      } catch (err) {
        if (this.#stopped) {
          return
        }
        // The engine failed on this job: forget what its context holds and give the job back.
        console.warn(`Shoal: drafting for job ${job.jobId} failed:`, err)
        this.#engineTokens = undefined
        this.#jobs.delete(job.jobId)
        await this.#init.transport.send({ type: 'failed', jobId: job.jobId, message: err instanceof Error ? err.message : String(err) }).catch(() => undefined)
      }
    }
  }

  /**
   * The job whose context the engine holds, while it wants more and has had
   * fewer than {@link MAX_RUN} drafts in a row; else the job with the fewest
   * drafts ready, among those that want more.
   */
  #nextJob (): DraftJobState | undefined {
    const current = this.#current
    if (current != null && this.#jobs.get(current.jobId) === current && current.wanted > 0 && this.#run < MAX_RUN) {
      return current
    }
    let chosen: DraftJobState | undefined
    for (const job of this.#jobs.values()) {
      if (job.wanted > 0 && (chosen == null || job.chain.length < chosen.chain.length || (job.chain.length === chosen.chain.length && job === current))) {
        chosen = job
      }
    }
    if (chosen !== current) {
      this.#current = chosen
      this.#run = 0
    } else if (chosen != null) {
      // Nobody else is further behind: it keeps the engine for another run.
      this.#run = 0
    }
    return chosen
  }

  async #draftFor (job: DraftJobState): Promise<void> {
    const { engine, transport } = this.#init
    const base = job.tokens
    await this.#load(base)
    const count = Math.min(job.wanted, this.#maxBatchTokens)
    if (count === 0 || this.#jobs.get(job.jobId) !== job) {
      return
    }
    const drafted = await engine.generateGreedy(count)
    this.#run += drafted.length
    this.#engineTokens?.push(...drafted.map((entry) => entry.token))
    this.#recent.push({ at: this.#now(), tokens: drafted.length })
    // Verdicts may have come while the engine ran. The drafts still count as
    // long as what was verified meanwhile is where they lead.
    const continued = [...base, ...drafted.map((entry) => entry.token)]
    const known = job.tokens
    if (this.#jobs.get(job.jobId) !== job || !startsWith(continued, known.slice(0, continued.length))) {
      return
    }
    if (known.length >= continued.length) {
      this.#stats.lateTokens += drafted.length
      return
    }
    const fresh = drafted.slice(drafted.length - (continued.length - known.length))
    const position = known.length
    const tokens = fresh.map((entry) => entry.token)
    job.chain.push(...tokens)
    // generateGreedy stops early only after an end-of-generation token: nothing to draft past it.
    job.finished = drafted.length < count
    this.#stats.draftedTokens += tokens.length
    await transport.send({ type: 'batch', jobId: job.jobId, epoch: job.epoch, position, tokens, probabilities: fresh.map((entry) => entry.probability) })
  }

  /** Makes the engine's context exactly `tokens`, keeping the longest common prefix of what it holds. */
  async #load (tokens: readonly number[]): Promise<void> {
    const { engine } = this.#init
    const held = this.#engineTokens
    let common = 0
    while (held !== undefined && common < held.length && common < tokens.length && held[common] === tokens[common]) {
      common++
    }
    if (held !== undefined && common === tokens.length && held.length === tokens.length) {
      return
    }
    // At least one token is evaluated again, so the engine has the next-token logits to draft from.
    const keep = Math.min(common, tokens.length - 1)
    // Unknown until the evaluation is done: if it fails, the next load starts from an empty context.
    this.#engineTokens = undefined
    if (held === undefined || keep < held.length) {
      await engine.rewind(keep)
    }
    await engine.evaluate(tokens.slice(keep))
    this.#engineTokens = [...tokens]
  }
}

function startsWith (tokens: readonly number[], prefix: readonly number[]): boolean {
  return prefix.length <= tokens.length && prefix.every((token, index) => tokens[index] === token)
}
