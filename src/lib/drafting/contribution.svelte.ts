/**
 * "Leave this tab open to contribute", as page state: loads a draft model
 * (WebLLM on the GPU where WebGPU and a paired verifier are present, else
 * wllama on the CPU; see draft-engine-choice.ts), finds a verifier whose announced tokenizer matches
 * it, and drafts for that verifier over one long-lived draft stream on the
 * direct connection, reconnecting (with backoff) whenever it ends. The
 * setting is remembered: a tab that was contributing resumes after a reload.
 * Drafting is driven by network messages and the engine's worker, and a
 * verifier is waited for on the mesh's peer events, not by polling, so it
 * keeps working in a background tab (which throttles timers). Timers pace
 * only the backoff between draft streams and the page's view of the stats.
 *
 * @example
 * ```ts
 * const drafting = contribution()
 * await drafting.start()          // resolves once the default draft model is loaded; drafting goes on meanwhile
 * drafting.stats.acceptedTokens
 * await drafting.stop()
 * ```
 */
import { DRAFT_PROTOCOL, MAX_DRAFT_JOBS, PeerRole } from '#protocol'
import { backoffDelay, sleep } from '#mesh-common'
import { hasDraftableVerifier, pickDraftTarget, waitForDraftTarget } from './draft-target.ts'
import type { DraftTarget } from './draft-target.ts'
import { meshNode, waitForPeer } from '../mesh/index.ts'
import { MODELS_PATH, createWllamaEngine, detectDevice } from '../inference/index.ts'
import type { DeviceReport } from '../inference/index.ts'
import { DEFAULT_DRAFT_MODEL, WEBLLM_DRAFT_PAIRINGS } from '../inference/model-catalog.ts'
import { createWebllmDraftEngine } from '../inference/webllm-draft-engine.ts'
import { chooseDraftEngine, WLLAMA_DRAFT_LABEL } from './draft-engine-choice.ts'
import type { DraftEngineChoice } from './draft-engine-choice.ts'
import { holdWebLock, readSetting, writeSetting } from '../storage/index.ts'
import { Drafter, DraftRefusedError } from './drafter.ts'
import { keepArrivedReceipt, receiptGaps } from '../receipts/index.ts'
import type { SignedReceipt } from '#protocol'
import { draftTransport } from './draft-transport.ts'
import { modelTokenizerFingerprint } from './model-fingerprint.ts'
import type { DraftEngine, DrafterStats } from './drafter.ts'
import type { InferenceEngine } from '../inference/index.ts'
import type { MeshNode } from '../mesh/mesh-node.svelte.ts'
import { z } from 'zod'

/** The demo draft (distilled from the demo target), served by the relay. */
export const DEFAULT_DRAFT_MODEL_ID = DEFAULT_DRAFT_MODEL.id

/** Context window asked of the draft engine; a model trained for less gets its own (see the engine's `model`). */
const DRAFT_CONTEXT_LENGTH = 2048

/**
 * How long a matching verifier may be heard of without a direct connection
 * to it before contributing fails: a WebRTC dial takes a second or two, and
 * the mesh retries a failed one within seconds.
 */
export const DIRECT_CONNECTION_TIMEOUT_MS = 20_000

/**
 * Why drafting needs what chat does not: chat streams are short and go over
 * the relay's circuit when they must; a draft stream is long-lived and
 * heavy, and relays cut circuits after 2 minutes or 128 KiB.
 */
export const NO_DIRECT_CONNECTION_TEXT = `No direct connection to a verifier could be made within ${DIRECT_CONNECTION_TIMEOUT_MS / 1000} s. ` +
  'Drafting needs one: the relay passes chats along, but cuts its connections after a few minutes and a few hundred kilobytes, too little for drafts. ' +
  'This network (or a browser setting) probably blocks WebRTC between peers: the relay\'s operator can add a TURN server to get through it, or try from another network.'

/** How often the page's view of the drafter's counters is refreshed. */
const STATS_INTERVAL_MS = 500

const SETTINGS_KEY = 'contribution'
const CONTRIBUTION_LOCK = 'shoal-contribution'
const settingsSchema = z.object({ enabled: z.boolean(), modelId: z.string().regex(/^[\w.-]+$/) })
type ContributionSettings = z.infer<typeof settingsSchema>

export type ContributionStatus = 'off' | 'loading' | 'waiting' | 'drafting' | 'failed'

/** What contributing needs of an engine: drafting's token API, plus loading and freeing a model (wllama's and WebLLM's draft engines). */
export type ContributionEngine = DraftEngine & Pick<InferenceEngine, 'model' | 'load' | 'dispose'>

const NO_STATS: DrafterStats = { activeJobs: 0, jobs: 0, draftedTokens: 0, lateTokens: 0, acceptedTokens: 0, tokensPerSecond: 0, contextTokens: 0 }

export class Contribution {
  status = $state<ContributionStatus>('off')
  error = $state<string | undefined>()
  /** The draft model: a GGUF file the relay serves at /models/<id>.gguf. */
  modelId = $state(DEFAULT_DRAFT_MODEL_ID)
  fingerprint = $state<string | undefined>()
  /** Which engine drafts (WebLLM or wllama) and why; undefined until contributing starts. */
  draftEngine = $state.raw<DraftEngineChoice | undefined>()
  progress = $state.raw<{ loaded: number, total: number }>({ loaded: 0, total: 0 })
  /** The verifier this tab drafts for now. */
  verifier = $state<string | undefined>()
  /** Why the last verifier stopped taking drafts, if it did. */
  lastEnd = $state<string | undefined>()
  /** Totals since the toggle was switched on. */
  stats = $state.raw<DrafterStats>(NO_STATS)
  /** Another tab of this browser is contributing, so this one does not (one engine per machine is plenty). */
  elsewhere = $state(false)
  /** `drafted` receipts earned since the toggle was switched on: kept, refused, and why the last was refused. */
  receipts = $state.raw<{ kept: number, refused: number, lastProblem?: string }>({ kept: 0, refused: 0 })

  readonly #mesh: () => MeshNode
  readonly #createEngine: () => ContributionEngine
  readonly #createWebllmEngine: () => ContributionEngine
  readonly #detectDevice: () => Promise<DeviceReport>
  #controller: AbortController | undefined
  #engine: ContributionEngine | undefined
  /** The loaded draft model's name, for the verifier's logs. */
  #draftModelName = DEFAULT_DRAFT_MODEL_ID
  #drafter: Drafter | undefined
  /** Totals of drafters that already ended. */
  #past: DrafterStats = NO_STATS
  #restored = false
  /** Releases the Web Lock that marks this tab as the browser's contributor. */
  #releaseLock: (() => void) | undefined

  constructor (init: { mesh?: () => MeshNode, createEngine?: () => ContributionEngine, createWebllmEngine?: () => ContributionEngine, detectDevice?: () => Promise<DeviceReport> } = {}) {
    this.#mesh = init.mesh ?? meshNode
    this.#createEngine = init.createEngine ?? createWllamaEngine
    this.#createWebllmEngine = init.createWebllmEngine ?? createWebllmDraftEngine
    this.#detectDevice = init.detectDevice ?? (async () => await detectDevice(navigator, { crossOriginIsolated: globalThis.crossOriginIsolated }))
  }

  /** The toggle is on: contributing, getting ready, or failed (the reason shown, with a retry) until switched off. */
  get enabled (): boolean {
    return this.status !== 'off'
  }

  /** Resumes contributing if it was on when the page last closed (once per page). */
  async restore (): Promise<void> {
    if (this.#restored) {
      return
    }
    this.#restored = true
    const settings = await readSetting(SETTINGS_KEY, settingsSchema, { enabled: false, modelId: DEFAULT_DRAFT_MODEL_ID })
    this.modelId = settings.modelId
    if (settings.enabled && this.status === 'off') {
      await this.start(settings.modelId)
    }
  }

  /**
   * Loads the draft model and starts drafting for a matching verifier.
   * `maxJobs`: answers drafted for at once; they take turns on the one
   * engine, so more than one pays only on a fast device.
   */
  async start (modelId: string = this.modelId, options: { maxJobs?: number } = {}): Promise<void> {
    await this.stop({ remember: false })
    const parsed = settingsSchema.safeParse({ enabled: true, modelId })
    if (!parsed.success) {
      await this.#fail(`"${modelId}" is not a model file name`)
      return
    }
    await this.#remember(parsed.data)
    this.elsewhere = !await this.#takeLock()
    if (this.elsewhere) {
      return
    }
    const controller = new AbortController()
    this.#controller = controller
    this.modelId = modelId
    this.status = 'loading'
    this.error = undefined
    this.lastEnd = undefined
    this.#past = NO_STATS
    this.stats = NO_STATS
    this.receipts = { kept: 0, refused: 0 }
    let engine: ContributionEngine
    let fingerprint: string
    try {
      ({ engine, fingerprint } = await this.#loadEngine(modelId, controller.signal))
      this.fingerprint = fingerprint
      // The first evaluation sets up the engine's buffers and threads: pay for it now, not during a job.
      await engine.evaluate([0, 0, 0, 0], { signal: controller.signal })
      await engine.rewind(0)
    } catch (err) {
      if (!controller.signal.aborted) {
        await this.#fail(`The draft model cannot be loaded: ${err instanceof Error ? err.message : String(err)}`)
      }
      return
    }
    this.status = 'waiting'
    this.#mesh().drafting = true
    const timer = setInterval(() => { this.#refreshStats() }, STATS_INTERVAL_MS)
    controller.signal.addEventListener('abort', () => { clearInterval(timer) }, { once: true })
    this.#draftForVerifiers(engine, fingerprint, Math.max(1, Math.min(options.maxJobs ?? 1, MAX_DRAFT_JOBS)), controller.signal).catch((err: unknown) => {
      // Stopping aborts the loop's waits; anything else is a bug worth seeing, and ends contributing.
      if (!controller.signal.aborted) {
        console.error('Shoal: contributing stopped', err)
        void this.#fail(`Contributing stopped: ${err instanceof Error ? err.message : String(err)}`)
      }
    })
  }

  /**
   * Loads the chosen draft engine and computes the fingerprint the verifier
   * checks. WebLLM (chosen only where WebGPU and a paired verifier are) that
   * fails to load gives way to wllama, and the page says why.
   */
  async #loadEngine (modelId: string, signal: AbortSignal): Promise<{ engine: ContributionEngine, fingerprint: string }> {
    const verifierModels = this.#mesh().peers.filter((peer) => peer.role === PeerRole.VERIFIER).map((peer) => peer.model)
    const choice = chooseDraftEngine(await this.#detectDevice(), verifierModels, WEBLLM_DRAFT_PAIRINGS)
    this.draftEngine = choice
    if (choice.engine === 'webllm') {
      const engine = this.#createWebllmEngine()
      this.#engine = engine
      try {
        await engine.load({ id: choice.modelId, contextLength: DRAFT_CONTEXT_LENGTH }, {
          signal,
          onProgress: ({ loaded, total }) => { this.progress = { loaded, total } }
        })
        const fingerprint = await modelTokenizerFingerprint(choice.pairing.tokenizerGgufUrl, signal)
        this.#draftModelName = choice.modelId
        return { engine, fingerprint }
      } catch (err) {
        signal.throwIfAborted()
        await engine.dispose()
        this.draftEngine = { engine: 'wllama', label: WLLAMA_DRAFT_LABEL, reason: `WebLLM could not start (${err instanceof Error ? err.message : String(err)}), so the CPU drafts.` }
      }
    }
    const url = `${MODELS_PATH}${modelId}.gguf`
    const engine = this.#createEngine()
    this.#engine = engine
    // One thread: drafting is background work, and the person's own use of the machine comes first.
    await engine.load({ id: modelId, url, contextLength: DRAFT_CONTEXT_LENGTH, threads: 1 }, {
      signal,
      onProgress: ({ loaded, total }) => { this.progress = { loaded, total } }
    })
    const fingerprint = await modelTokenizerFingerprint(url, signal)
    this.#draftModelName = modelId
    return { engine, fingerprint }
  }

  /** Stops drafting (or gives up on a failure) and frees the model; the toggle is off. */
  async stop (options: { remember?: boolean } = {}): Promise<void> {
    await this.#release()
    this.status = 'off'
    this.error = undefined
    if (options.remember !== false) {
      await this.#remember({ enabled: false, modelId: this.modelId })
    }
  }

  /**
   * Contributing cannot go on: frees the engine and the one-contributing-tab
   * lock (so another tab may try), and says why. The toggle stays on, and
   * the setting remembered, so a reload or `start()` tries again.
   */
  async #fail (reason: string): Promise<void> {
    await this.#release()
    this.status = 'failed'
    this.error = reason
  }

  async #release (): Promise<void> {
    this.#controller?.abort()
    this.#controller = undefined
    this.#mesh().drafting = false
    const engine = this.#engine
    this.#engine = undefined
    await engine?.dispose()
    this.verifier = undefined
    this.#releaseLock?.()
    this.#releaseLock = undefined
  }

  /** Holds a Web Lock while contributing, so only one tab of a browser profile contributes. */
  async #takeLock (): Promise<boolean> {
    this.#releaseLock = await holdWebLock(CONTRIBUTION_LOCK, { ifAvailable: true })
    return this.#releaseLock !== undefined
  }

  async #remember (settings: ContributionSettings): Promise<void> {
    await writeSetting(SETTINGS_KEY, settings).catch((err: unknown) => {
      console.warn('Shoal: cannot store the contribution setting', err)
    })
  }

  /** Drafts for one matching verifier at a time (the engine holds one context), forever. */
  async #draftForVerifiers (engine: ContributionEngine, fingerprint: string, maxJobs: number, signal: AbortSignal): Promise<void> {
    const refused = new Set<string>()
    let failures = 0
    while (!signal.aborted) {
      let target = pickDraftTarget(this.#mesh(), fingerprint, refused)
      if (target === undefined) {
        this.status = 'waiting'
        const found = await this.#waitForTarget(fingerprint, refused, signal)
        if (found === 'no-direct-connection') {
          await this.#fail(NO_DIRECT_CONNECTION_TEXT)
          return
        }
        target = found
      }
      if (target === undefined) {
        continue // stopped, or the matching verifier went away, while waiting
      }
      const { peerId, connection } = target
      this.verifier = peerId
      this.status = 'drafting'
      let drafter: Drafter | undefined
      try {
        const self = this.#mesh().peerId
        // Receipts lost on the way (a tab closed while one was in flight) are asked for again with each hello.
        const gaps = self === undefined ? undefined : await receiptGaps(peerId, self).catch(() => undefined)
        const stream = await connection.newStream(DRAFT_PROTOCOL, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) })
        drafter = new Drafter({
          engine,
          transport: draftTransport(stream),
          model: this.#draftModelName,
          tokenizerFingerprint: fingerprint,
          // Jobs longer than the loaded model holds are declined.
          contextLength: engine.model?.contextLength ?? DRAFT_CONTEXT_LENGTH,
          maxJobs,
          receiptGaps: gaps,
          onReceipt: (receipt) => { void this.#keepReceipt(receipt, peerId) }
        })
        this.#drafter = drafter
        await drafter.run(signal)
        this.lastEnd = 'the verifier closed the draft stream'
        failures = 0
      } catch (err) {
        if (err instanceof DraftRefusedError && err.code === 'TOKENIZER_MISMATCH') {
          refused.add(peerId)
        }
        this.lastEnd = err instanceof Error ? err.message : String(err)
        failures++
      } finally {
        if (drafter != null) {
          this.#past = addStats(this.#past, drafter.stats)
        }
        this.#drafter = undefined
        this.verifier = undefined
      }
      await sleep(backoffDelay(failures), signal)
    }
  }

  /**
   * Waits for a verifier to draft for: as long as it takes for one with this
   * tokenizer to be heard of, then `DIRECT_CONNECTION_TIMEOUT_MS` at most
   * for a direct connection to one ('no-direct-connection' when none came).
   * Undefined when stopped, or when the matching verifiers went away.
   */
  async #waitForTarget (fingerprint: string, refused: ReadonlySet<string>, signal: AbortSignal): Promise<DraftTarget | 'no-direct-connection' | undefined> {
    const mesh = this.#mesh()
    const heard = await waitForPeer(mesh, () => hasDraftableVerifier(mesh, fingerprint, refused) ? true : undefined, { signal })
    if (heard === undefined) {
      return undefined
    }
    const target = await waitForDraftTarget(mesh, fingerprint, refused, { signal: AbortSignal.any([signal, AbortSignal.timeout(DIRECT_CONNECTION_TIMEOUT_MS)]) })
    if (target !== undefined || signal.aborted) {
      return target
    }
    return hasDraftableVerifier(mesh, fingerprint, refused) ? 'no-direct-connection' : undefined
  }

  /** Checks a `drafted` receipt (signed by the verifier drafted for, issued to this tab) and keeps it. */
  async #keepReceipt (receipt: SignedReceipt, verifierPeerId: string): Promise<void> {
    const self = this.#mesh().peerId
    let problem: string | undefined
    if (self === undefined) {
      problem = 'this page has no peer id to check the receipt against'
    } else {
      try {
        // Drafted, or a served one sent again to heal the chain (the chat it was for is not known here).
        const outcome = await keepArrivedReceipt(receipt, { kind: undefined, issuer: verifierPeerId, subject: self })
        problem = 'rejected' in outcome ? outcome.rejected : undefined
      } catch (err) {
        problem = `the receipt cannot be stored: ${err instanceof Error ? err.message : String(err)}`
      }
    }
    const { kept, refused } = this.receipts
    this.receipts = problem === undefined ? { ...this.receipts, kept: kept + 1 } : { kept, refused: refused + 1, lastProblem: problem }
  }

  #refreshStats (): void {
    const current = this.#drafter?.stats
    this.stats = current == null ? this.#past : addStats(this.#past, current)
  }
}

function addStats (a: DrafterStats, b: DrafterStats): DrafterStats {
  return {
    activeJobs: b.activeJobs,
    jobs: a.jobs + b.jobs,
    draftedTokens: a.draftedTokens + b.draftedTokens,
    lateTokens: a.lateTokens + b.lateTokens,
    acceptedTokens: a.acceptedTokens + b.acceptedTokens,
    tokensPerSecond: b.tokensPerSecond,
    contextTokens: a.contextTokens + b.contextTokens
  }
}

let instance: Contribution | undefined

/** The page's one contribution (it survives navigation between pages). */
export function contribution (): Contribution {
  instance ??= new Contribution()
  return instance
}
