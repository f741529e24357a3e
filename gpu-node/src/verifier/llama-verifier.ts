import { getLlama, LlamaLogLevel, LlamaText, resolveChatWrapper, TokenBias } from 'node-llama-cpp'
import { inspectModelFile, modelNameFromPath } from '../model/model-file.ts'
import { issueAnswerReceipts } from './answer-receipts.ts'
import { answerGrammar, GrammarCursor, mayCallTools } from './answer-grammar.ts'
import { ToolCallReader, toolCallSyntax } from './tool-call-syntax.ts'
import { buildChatPrompt } from './chat-prompt.ts'
import { buildRawPrompt, hashedTurns, isPromptRequest } from './raw-prompt.ts'
import { logprobOutputs, MAX_COMPLETION_LOGPROBS, readLogprob } from './token-logprobs.ts'
import { continueAnswer, receiptMessages } from './continuation.ts'
import type { ContinuedAnswer } from './continuation.ts'
import { WarmSequences, answeredConversation } from './warm-sequences.ts'
import { BusyError, InvalidRequestError, ModelFileError } from './errors.ts'
import { EventChannel } from './event-channel.ts'
import { Scheduler } from './scheduler.ts'
import { DecodeBarrier } from './decode-barrier.ts'
import type { DecodeBarrierStats } from './decode-barrier.ts'
import { emulatePassCost, passCostLabel } from './pass-cost-emulation.ts'
import type { PassCostEmulation, PassCostProfile } from './pass-cost-emulation.ts'
import { TextStream } from './text-stream.ts'
import { acceptedDrafts, drawToken, positionUniform } from './sampling.ts'
import type { ChatWrapper, ControlledEvaluateInputItem, Llama, LlamaContext, LlamaContextSequence, LlamaGrammar, LlamaGrammarEvaluationState, LlamaModel, Token } from 'node-llama-cpp'
import type { ChatPrompt } from './chat-prompt.ts'
import { z } from 'zod'
import { ChatRequestFields, firstProblem, toolChoiceProblem } from '#protocol'
import type { ReceiptIssuer } from '../receipts/index.ts'
import { MAX_TOP_LOGPROBS } from './types.ts'
import type { CompletionEvent, CompletionOptions, CompletionRequest, DraftSource, DraftSourceOpener, FinishReason, ModelInfo, PromptCompletionRequest, TokenLogprob, Verifier, Work } from './types.ts'

export interface LlamaVerifierInit {
  /** A local GGUF file (resolve `hf:` URIs first, see `resolveModelPath`). */
  modelPath: string
  /** CPU threads for llama.cpp; always set it (its default oversubscribes small machines badly). */
  threads: number
  /**
   * `'auto'` uses CUDA, Vulkan or Metal when node-llama-cpp has binaries for
   * a GPU it finds, else the CPU; `false` is CPU only.
   *
   * @default 'auto'
   */
  gpu?: 'auto' | false
  /** Chats generated at once: the sequences of the one shared context. */
  capacity: number
  /** Most requests waiting for a sequence; beyond that, BusyError. */
  queueSize: number
  /** Most requests (running and queued) per client; beyond that, LimitError. */
  perClientMaxConcurrent: number
  /** Most tokens one request may ask for; beyond that, LimitError. */
  perClientMaxTokens: number
  /**
   * Tokens each sequence holds (prompt and answer).
   *
   * @default the model's training context, at most 4096
   */
  contextSize?: number
  /**
   * Name clients use for the model.
   *
   * @default the file name without `.gguf`
   */
  modelName?: string
  /**
   * Marks the built-in demo model (announced, shown in /health).
   *
   * @default false
   */
  demo?: boolean
  /**
   * Least time between two text deltas of an answer, in ms: text generated
   * in between is joined into the next one (it goes at once before `done`).
   * Readers that show text gain nothing from more than one update per
   * display frame, and each delta costs the server, the network and the
   * reader some work; a model slower than this streams every token as it
   * comes. 0 sends each token's text on its own.
   *
   * @default 0
   */
  streamIntervalMs?: number
  /**
   * Emulated GPU: every forward pass lasts at least what this profile says
   * (see pass-cost-emulation.ts). For benchmarks only; off unless given.
   */
  passCost?: PassCostProfile
  /** Where llama.cpp's warnings and the backend line go. */
  log?: { info: (message: string) => void, warn: (message: string) => void }
  /**
   * Signs each answer's receipts (gpu-node's issuer, with its libp2p key).
   *
   * @default none: no receipts are issued
   */
  receipts?: ReceiptIssuer
  /**
   * Where answers that allow drafters get their drafts (gpu-node's drafter
   * pool); a request's own `drafts` option takes its place.
   *
   * @default none: answers go without drafts
   */
  drafters?: DraftSourceOpener
}

const DEFAULT_CONTEXT_SIZE = 4096
/**
 * How long the steps of answers that are ready wait for the others' before
 * they are decoded without them (see decode-barrier.ts): until no step has
 * come for a gap longer than the time between two answers' bookkeeping
 * (reading results, streaming, erasing rejected drafts, writing a verdict),
 * and at most a deadline well under the pass a late answer would otherwise
 * cost everyone.
 */
const DECODE_BARRIER = { gapMs: 8, deadlineMs: 24 }

/**
 * Loads a GGUF model with node-llama-cpp and serves completions from one
 * context whose sequences are the verifier's capacity: node-llama-cpp
 * batches the evaluations of concurrent sequences into one llama.cpp decode.
 *
 * Each request runs its own token loop on its sequence with
 * `controlledEvaluate`: the prompt (chat-wrapped as `LlamaChat` does, or a
 * raw prompt as it stands, see raw-prompt.ts), then
 * one step per forward pass, greedy at temperature 0 (byte-identical to
 * node-llama-cpp's own greedy `LlamaChat`/`LlamaChatSession` output with
 * `repeatPenalty: false`), or drawn from the temperature/top-p distribution
 * with a uniform number that depends only on the seed and the position
 * (`sampling.ts`), so a seed reproduces an answer. Drafts ride in the same
 * step: it evaluates `[last, ...drafts]` in one pass (see `#run`).
 *
 * @example
 * ```ts
 * const verifier = await createLlamaVerifier({ modelPath, threads: 2, capacity: 4, queueSize: 32, perClientMaxConcurrent: 2, perClientMaxTokens: 4096 })
 * for await (const event of verifier.complete({ messages: [{ role: 'user', content: 'Hi' }], maxTokens: 64, temperature: 0, topP: 1, stop: [], clientId: 'me' }, {})) {
 *   if (event.type === 'delta') process.stdout.write(event.text)
 * }
 * await verifier.dispose()
 * ```
 *
 * @throws {ModelFileError} when the file is missing, malformed, or llama.cpp cannot load it
 */
export async function createLlamaVerifier (init: LlamaVerifierInit): Promise<LlamaVerifier> {
  if (!Number.isInteger(init.threads) || init.threads < 1) {
    throw new RangeError(`threads must be a positive integer, not ${init.threads}`)
  }
  if (!Number.isInteger(init.capacity) || init.capacity < 1) {
    throw new RangeError(`capacity must be a positive integer, not ${init.capacity}`)
  }
  if (init.streamIntervalMs !== undefined && !(Number.isFinite(init.streamIntervalMs) && init.streamIntervalMs >= 0)) {
    throw new RangeError(`streamIntervalMs must be a number of milliseconds, not ${init.streamIntervalMs}`)
  }
  const file = await inspectModelFile(init.modelPath)
  // While loading, llama.cpp's messages are kept: a failure becomes one error line that quotes them.
  let loading: string[] | undefined = []
  const llama = await getLlama({
    gpu: init.gpu === false ? false : 'auto',
    // Never compile llama.cpp or download its sources at startup: prebuilt binaries or nothing.
    build: 'never',
    maxThreads: init.threads,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      const line = message.replace(/\s+/g, ' ').trim()
      if (line === '') {
        return
      }
      if (loading != null) {
        loading.push(line)
      } else {
        init.log?.warn(`llama.cpp: ${line}`)
      }
    }
  })
  let model: LlamaModel
  try {
    model = await llama.loadModel({ modelPath: file.path, gpuLayers: init.gpu === false ? 0 : 'auto' })
  } catch (err) {
    await llama.dispose()
    const reason = loadFailureReason(loading) ?? (err instanceof Error ? err.message : String(err))
    throw new ModelFileError(`llama.cpp cannot load model file ${file.path}: ${reason}`)
  }
  for (const line of loading) {
    init.log?.warn(`llama.cpp: ${line}`)
  }
  loading = undefined
  const contextSize = Math.min(init.contextSize ?? Math.min(file.trainContextLength, DEFAULT_CONTEXT_SIZE), file.trainContextLength)
  // Set once the verifier exists: how many answers hold a sequence now.
  let runningAnswers = (): number => 0
  let context: LlamaContext
  try {
    context = await model.createContext({
      contextSize,
      sequences: init.capacity,
      threads: init.threads,
      // Predictable memory: no automatic shrinking or growing behind the operator's back.
      failedCreationRemedy: false,
      batching: {
        // The answers' steps come through the decode barrier together (see #run); node-llama-cpp
        // then waits for the next event-loop turn so they all share one decode. An answer running
        // alone has nothing to wait for: its step is decoded at once, and its text goes out to the
        // client while the next token is computed, not before.
        dispatchSchedule: (dispatch) => {
          if (runningAnswers() <= 1) {
            dispatch()
          } else {
            setImmediate(dispatch)
          }
        }
      }
    })
  } catch (err) {
    await model.dispose()
    await llama.dispose()
    throw new Error(`cannot create a context of ${contextSize} tokens x ${init.capacity} sequences: ${err instanceof Error ? err.message : String(err)}`)
  }
  let jsonGrammar: LlamaGrammar
  try {
    jsonGrammar = await llama.getGrammarFor('json')
  } catch (err) {
    await context.dispose()
    await model.dispose()
    await llama.dispose()
    throw err
  }
  const backend = llama.gpu === false ? 'CPU' : llama.gpu
  init.log?.info(`Model ${file.path} on ${backend} (${init.threads} threads, ${init.capacity} sequences of ${context.contextSize} tokens)`)
  let passCost: PassCostEmulation | undefined
  if (init.passCost !== undefined) {
    try {
      passCost = emulatePassCost(context, init.passCost)
    } catch (err) {
      await context.dispose()
      await model.dispose()
      await llama.dispose()
      throw err
    }
    init.log?.warn(`EMULATED GPU: every forward pass is padded to ${passCostLabel(init.passCost)} (${init.passCost.source}); timings are not this machine's`)
  }
  const verifier = new LlamaVerifier({
    init,
    llama,
    model,
    context,
    chatWrapper: resolveChatWrapper(model),
    jsonGrammar,
    vocabularySize: file.tokenCount,
    info: {
      name: init.modelName ?? modelNameFromPath(file.path),
      tokenizerFingerprint: file.tokenizerFingerprint,
      contextLength: context.contextSize,
      demo: init.demo ?? false
    },
    backend,
    passCost
  })
  runningAnswers = () => verifier.runningCount
  return verifier
}

interface LlamaVerifierParts {
  init: LlamaVerifierInit
  llama: Llama
  model: LlamaModel
  context: LlamaContext
  chatWrapper: ChatWrapper
  /** llama.cpp's grammar of any JSON object, for `json` answers. */
  jsonGrammar: LlamaGrammar
  info: ModelInfo
  backend: string
  /** Tokens in the model's vocabulary: drafted ids at or above it are refused. */
  vocabularySize: number
  passCost?: PassCostEmulation
}

/** What a finished request reports besides its events, for metrics. */
export interface VerifierStats {
  /** Requests holding a sequence now. */
  running: number
  queued: number
  completed: number
  cancelled: number
  generatedTokens: number
  /** Moving average of the time one sequence takes per token, in ms. */
  tokenMs: number
  /** Forward passes over all sequences' tokens (one per step of each answer). */
  passes: number
  draftedTokens: number
  acceptedTokens: number
}

export class LlamaVerifier implements Verifier {
  readonly model: ModelInfo
  /** `CPU`, or the GPU type llama.cpp runs on (`cuda`, `vulkan`, `metal`). */
  readonly backend: string
  /** The emulated GPU pass cost padding every decode, when one was asked for. */
  readonly passCost: PassCostEmulation | undefined
  readonly #llama: Llama
  readonly #model: LlamaModel
  readonly #context: LlamaContext
  readonly #chatWrapper: ChatWrapper
  readonly #jsonGrammar: LlamaGrammar
  /** How the model's chat wrapper writes tool calls, if it can (answers that may call tools on their own). */
  readonly #toolSyntax: ReturnType<typeof toolCallSyntax>
  readonly #scheduler: Scheduler<LlamaContextSequence>
  /** Lets every running answer's next step into the same batched decode. */
  readonly #barrier = new DecodeBarrier(DECODE_BARRIER)
  readonly #shutdown = new AbortController()
  readonly #runs = new Set<Promise<void>>()
  #completed = 0
  #cancelled = 0
  #generatedTokens = 0
  readonly #work: Work = { passes: 0, draftedTokens: 0, acceptedTokens: 0 }
  readonly #vocabularySize: number
  #disposed: Promise<void> | undefined
  readonly #drafters: DraftSourceOpener | undefined
  readonly #receipts: ReceiptIssuer | undefined
  readonly #log: LlamaVerifierInit['log']
  readonly #streamIntervalMs: number
  /** The conversations its sequences hold warm (see warm-sequences.ts). */
  readonly warm = new WarmSequences<LlamaContextSequence>()
  /** Most requests that may wait for a sequence. */
  readonly queueSize: number

  constructor (parts: LlamaVerifierParts) {
    this.queueSize = parts.init.queueSize
    this.model = parts.info
    this.backend = parts.backend
    this.passCost = parts.passCost
    this.#llama = parts.llama
    this.#model = parts.model
    this.#context = parts.context
    this.#chatWrapper = parts.chatWrapper
    this.#jsonGrammar = parts.jsonGrammar
    this.#toolSyntax = toolCallSyntax(parts.chatWrapper, parts.model)
    this.#vocabularySize = parts.vocabularySize
    this.#log = parts.init.log
    this.#streamIntervalMs = parts.init.streamIntervalMs ?? 0
    this.#drafters = parts.init.drafters
    this.#receipts = parts.init.receipts
    const slots: LlamaContextSequence[] = []
    for (let index = 0; index < parts.init.capacity; index++) {
      slots.push(parts.context.getSequence())
    }
    this.#scheduler = new Scheduler({
      slots,
      queueSize: parts.init.queueSize,
      perClientMaxConcurrent: parts.init.perClientMaxConcurrent,
      perClientMaxTokens: parts.init.perClientMaxTokens
    })
  }

  get capacity (): number {
    return this.#scheduler.capacity
  }

  get queueDepth (): number {
    return this.#scheduler.queueDepth
  }

  /** The loaded model, for what shares it (embeddings, model details); the verifier frees it on `dispose()`. */
  get loadedModel (): LlamaModel {
    return this.#model
  }

  /** Answers holding a sequence now. */
  get runningCount (): number {
    return this.#scheduler.runningCount
  }

  /** How the answers' steps were gathered into decodes (rounds, steps, rounds the deadline let go). */
  get decodeBarrier (): Readonly<DecodeBarrierStats> {
    return this.#barrier.stats
  }

  get stats (): VerifierStats {
    return {
      running: this.#scheduler.runningCount,
      queued: this.#scheduler.queueDepth,
      completed: this.#completed,
      cancelled: this.#cancelled,
      generatedTokens: this.#generatedTokens,
      tokenMs: this.#scheduler.tokenMs,
      ...this.#work
    }
  }

  /** Prompt tokens for `messages`, as `complete` would evaluate them (for tests and token counting). */
  tokenizeChat (messages: CompletionRequest['messages']): Token[] {
    return buildChatPrompt(this.#model, this.#chatWrapper, messages).tokens
  }

  complete (request: CompletionRequest | PromptCompletionRequest, options: CompletionOptions = {}): AsyncIterable<CompletionEvent> {
    if (this.#disposed != null) {
      // Shutting down: like a full queue, the client should try again (elsewhere, or after a restart).
      throw new BusyError(5)
    }
    validateRequest(request)
    // Refused before the prompt is built (about a millisecond of template and tokenizer): a flood of
    // requests the queue cannot take must not hold up the node's event loop.
    this.#scheduler.checkAdmission({ clientId: request.clientId, maxTokens: request.maxTokens })
    if (request.logitBias !== undefined) {
      const outside = request.logitBias.find(({ token }) => token >= this.#vocabularySize)
      if (outside !== undefined) {
        throw new InvalidRequestError(`logit bias names token ${outside.token}; this model's vocabulary has ${this.#vocabularySize}`)
      }
    }
    // Tools are documented in the prompt unless the chat may not call them.
    const prompt = isPromptRequest(request)
      ? buildRawPrompt(this.#model, this.#vocabularySize, request)
      : buildChatPrompt(this.#model, this.#chatWrapper, request.messages, request.toolChoice === 'none' ? [] : request.tools ?? [])
    const grammar = isPromptRequest(request) ? undefined : answerGrammar(this.#llama, this.#jsonGrammar, request, this.#toolSyntax)
    if (grammar !== undefined) {
      // The grammar's own end (e.g. a run of newlines after the JSON) ends the answer too.
      prompt.stopStrings.push(...grammar.stopGenerationTriggers.map((trigger) => LlamaText(trigger).toString()).filter((stop) => stop !== ''))
    }
    // A raw prompt continues as a chat does: the answer's tokens so far after the prompt's.
    const continued = this.#continued(request, prompt)
    if (continued !== undefined && prompt.echo !== undefined) {
      throw new InvalidRequestError('an echoed prompt cannot be continued: the first verifier already wrote it')
    }
    if (continued !== undefined && grammar !== undefined && new GrammarCursor(this.#model, grammar).plan(continued.tokens).drafts.length < continued.tokens.length) {
      throw new InvalidRequestError('the answer so far does not fit the requested format, so it cannot be continued under it')
    }
    if (prompt.tokens.length + (continued?.tokens.length ?? 0) >= this.model.contextLength) {
      throw new InvalidRequestError(`the prompt is ${prompt.tokens.length + (continued?.tokens.length ?? 0)} tokens; this model's context holds ${this.model.contextLength}`)
    }
    const submittedAt = performance.now()
    if (options.signal?.aborted === true) {
      const cancelled = new EventChannel<CompletionEvent>()
      cancelled.push({ type: 'done', finishReason: 'cancelled', usage: { promptTokens: prompt.tokens.length, completionTokens: 0 }, timings: { queuedMs: 0, firstTokenMs: 0, totalMs: 0 }, work: noWork() })
      cancelled.close()
      return cancelled
    }
    const cancel = new AbortController()
    const signal = AbortSignal.any([cancel.signal, this.#shutdown.signal, ...(options.signal == null ? [] : [options.signal])])
    const channel = new EventChannel<CompletionEvent>({
      onReturn: () => { cancel.abort() },
      merge: joinDeltas,
      ...(this.#streamIntervalMs > 0 ? { pace: { ms: this.#streamIntervalMs, after: (event) => event.type === 'delta' } } : {})
    })
    const credit = request.credit ?? 0
    const tier = credit > 0 ? 'contributor' : 'consumer'
    this.#scheduler.submit({
      clientId: request.clientId,
      maxTokens: request.maxTokens,
      credit,
      signal,
      onQueued: (position, etaMs) => { channel.push({ type: 'queued', position, etaMs, tier }) },
      preferSlot: (free) => this.warm.choose(free, request.warmKey, [...prompt.tokens, ...continued?.tokens ?? []]),
      onCancelledWhileQueued: () => {
        this.#cancelled++
        const totalMs = Math.round(performance.now() - submittedAt)
        channel.push({ type: 'done', finishReason: 'cancelled', usage: { promptTokens: prompt.tokens.length, completionTokens: 0 }, timings: { queuedMs: totalMs, firstTokenMs: 0, totalMs }, work: noWork() })
        channel.close()
      },
      run: async (sequence) => {
        // The one place a prompt can leave for drafters, and only when the chat allows it.
        const drafts = request.privacy === 'drafters-allowed' ? (options.drafts ?? this.#drafters)?.([...prompt.tokens, ...continued?.tokens ?? []], request.clientId) : undefined
        const run = this.#run(sequence, request, prompt, grammar, signal, channel, submittedAt, drafts, continued)
        this.#runs.add(run)
        try {
          await run
        } finally {
          this.#runs.delete(run)
        }
      }
    })
    return channel
  }

  /**
   * One answer's token loop. Each step is ONE forward pass over
   * `[last, ...drafts]`: the last verified token plus whatever drafts have
   * arrived (maybe none; it never waits for them). Every position in the
   * pass yields the verifier's own next token, chosen as a step without
   * drafts would choose it (argmax, or a draw fixed by seed and position);
   * drafts are accepted while they equal those tokens, then the verifier's
   * own token follows. So the answer is the one the verifier alone gives.
   */
  async #run (sequence: LlamaContextSequence, request: CompletionRequest | PromptCompletionRequest, prompt: ChatPrompt, grammar: LlamaGrammar | undefined, signal: AbortSignal, channel: EventChannel<CompletionEvent>, submittedAt: number, drafts: DraftSource | undefined, continued?: ContinuedAnswer<Token>): Promise<void> {
    const startedAt = performance.now()
    let firstTokenAt: number | undefined
    let generated = 0
    let finishReason: FinishReason | undefined
    const work = noWork()
    const seed = request.seed ?? randomSeed()
    // An answer that may call tools on its own: its call section (from the wrapper's call start on) is read as calls.
    const callSyntax = !isPromptRequest(request) && mayCallTools(request) ? this.#toolSyntax : undefined
    const text = continued?.text ?? new TextStream<Token>(this.#detokenize, this.#stopStrings(request, prompt), callSyntax?.start)
    const calls = callSyntax === undefined || isPromptRequest(request) ? undefined : new ToolCallReader(callSyntax, (request.tools ?? []).map((tool) => tool.name))
    const bias = this.#tokenBias(request.logitBias)
    // A continued answer's tokens so far count as generated: stop sequences and draw positions run on from them.
    const generatedTokens: Token[] = [...continued?.tokens ?? []]
    const positionOffset = generatedTokens.length
    let deltaFrom = generatedTokens.length
    // Every delta, for the receipt's output hash.
    const output: string[] = []
    // A completion's `logprobs`: each verified token's, until the delta that brings its text.
    const top = isPromptRequest(request) ? request.logprobs : undefined
    const pendingLogprobs: TokenLogprob[] = []
    // A chat's `topLogprobs` come with the delta of their token (see #emit).
    const say = (delta: string, logprobs?: TokenLogprob[], toolCall = false): void => {
      output.push(delta)
      const toolCallParts = toolCall ? calls?.push(delta) ?? [] : []
      // The tokens since the last delta travel with it, so a client can have another verifier continue.
      const tokens = generatedTokens.slice(deltaFrom)
      deltaFrom = generatedTokens.length
      const all = [...pendingLogprobs.splice(0), ...logprobs ?? []]
      channel.push({ type: 'delta', text: delta, tokens, ...(all.length === 0 ? {} : { logprobs: all }), ...(toolCall ? { toolCall: true } : {}), ...(toolCallParts.length === 0 ? {} : { toolCallParts }) })
    }
    // Constrains every position of every pass to the grammar, drafts or not.
    const cursor = grammar === undefined ? undefined : new GrammarCursor(this.#model, grammar)
    // A continued answer's tokens so far were constrained by the first verifier's grammar (complete()
    // checked they fit it): this one's starts after them.
    if (continued !== undefined) cursor?.advance(continued.tokens)
    // Kept past a misbehaving source's removal: its drafts still earned (or cost) it a receipt.
    const source = drafts
    if (prompt.echo !== undefined && prompt.echo !== '') {
      say(prompt.echo)
    }
    // Each step waits here for the other answers' steps, so one decode carries them all.
    const barrier = this.#barrier.join()
    try {
      // What the sequence's cache already holds of this prompt (the conversation's earlier turns) is not evaluated again.
      let input: Token[] = await this.warm.reuseCachedPrefix(sequence, request.warmKey, [...prompt.tokens, ...continued?.tokens ?? []])
      while (finishReason == null) {
        if (signal.aborted) {
          finishReason = 'cancelled'
          break
        }
        if (generated >= request.maxTokens || sequence.nextTokenIndex + input.length >= sequence.contextSize) {
          finishReason = 'length'
          break
        }
        // Before taking drafts: those that arrive while the other answers catch up go into this pass.
        await barrier.ready()
        // Room for the drafts and the verifier's own token after them.
        const room = Math.min(request.maxTokens - generated - 1, sequence.contextSize - sequence.nextTokenIndex - input.length - 1)
        const taken = drafts?.take(Math.max(0, room)) ?? []
        if (taken.some((token) => !Number.isInteger(token) || token < 0 || token >= this.#vocabularySize)) {
          drafts?.close('misbehaved')
          drafts = undefined
          taken.length = 0
        }
        // Drafted ids were checked against the vocabulary above, so they are tokens of this model.
        let proposed = taken as Token[]
        let states: LlamaGrammarEvaluationState[] | undefined
        if (cursor !== undefined) {
          ({ drafts: proposed, states } = cursor.plan(proposed))
        }
        const evaluated: Token[] = [...input, ...proposed]
        const firstSampled = input.length - 1
        const evaluation: ControlledEvaluateInputItem[] = evaluated.map((token, index) => index >= firstSampled ? [token, { generateNext: { ...nextTokenRequest(request, states?.[index - firstSampled], bias), ...(top === undefined ? {} : logprobOutputs(request.temperature, top)) } }] : token)
        const stepStartedAt = performance.now()
        const results = await sequence.controlledEvaluate(evaluation)
        barrier.stepped()
        const stepMs = performance.now() - stepStartedAt
        const own: Token[] = []
        for (let index = firstSampled; index < evaluated.length; index++) {
          own.push(ownToken(results[index]?.next, request, seed, positionOffset + generated + index - firstSampled))
        }
        const ownLogprobs = top === undefined ? undefined : own.map((token, index) => readLogprob(results[firstSampled + index]?.next, token, top, this.#model))
        const accepted = acceptedDrafts(proposed, own)
        const verified = own.slice(0, accepted + 1)
        const rejected = proposed.length - accepted
        if (rejected > 0) {
          // The rejected drafts are in the KV cache, after everything accepted: drop them.
          await sequence.eraseContextTokenRanges([{ start: sequence.nextTokenIndex - rejected, end: sequence.nextTokenIndex }])
        }
        work.passes++
        work.draftedTokens += proposed.length
        work.acceptedTokens += accepted
        // Drafts the grammar forbade were offered, and rejected without being evaluated.
        drafts?.settle({ offered: taken.length, accepted, tokens: verified, stepMs })
        cursor?.advance(verified)
        firstTokenAt ??= performance.now()
        for (const [offset, token] of verified.entries()) {
          if (this.#model.isEogToken(token)) {
            finishReason = 'stop'
            break
          }
          generated++
          const ownLogprob = ownLogprobs?.[offset]
          if (ownLogprob !== undefined) {
            pendingLogprobs.push(ownLogprob)
          }
          const logprobs = request.topLogprobs === undefined ? undefined : [this.#logprob(results[firstSampled + offset]?.next.probabilities, token, generatedTokens, request.topLogprobs)]
          finishReason = this.#emit(token, generatedTokens, text, prompt, say, logprobs)
          if (finishReason != null) {
            break
          }
          if (generated >= request.maxTokens) {
            finishReason = 'length'
            break
          }
        }
        input = own.slice(accepted, accepted + 1)
      }
      // Text held back in case it began a stop string (or the call start) was not one: the answer ended first.
      const rest = finishReason === 'cancelled' ? '' : text.finish()
      if (rest !== '') {
        say(rest, undefined, text.marked)
      }
    } catch (err) {
      barrier.leave()
      drafts?.close('done')
      this.warm.cleared(sequence)
      await sequence.clearHistory().catch(() => undefined)
      channel.fail(err)
      return
    }
    barrier.leave()
    drafts?.close('done')
    if (!isPromptRequest(request) && request.warmKey !== undefined && finishReason !== 'cancelled') {
      // Kept warm for the conversation's next turn, which only this asker's key can reuse.
      await this.warm.hold(sequence, request.warmKey, answeredConversation(request.messages, continued === undefined ? '' : request.continuation?.text ?? '', output.join('')))
    } else {
      // Free the KV cache now: the next request on this sequence starts from nothing.
      await sequence.clearHistory()
    }
    const endedAt = performance.now()
    if (firstTokenAt != null && generated > 1) {
      this.#scheduler.recordThroughput(generated - 1, endedAt - firstTokenAt)
    }
    this.#scheduler.recordCompletion(generated)
    this.#generatedTokens += generated
    this.#work.passes += work.passes
    this.#work.draftedTokens += work.draftedTokens
    this.#work.acceptedTokens += work.acceptedTokens
    if (finishReason === 'cancelled') {
      this.#cancelled++
    } else {
      this.#completed++
    }
    const usage = { promptTokens: prompt.tokens.length + positionOffset, completionTokens: generated }
    const timings = {
      queuedMs: Math.round(startedAt - submittedAt),
      firstTokenMs: Math.round((firstTokenAt ?? endedAt) - startedAt),
      totalMs: Math.round(endedAt - submittedAt)
    }
    const receipt = this.#receipts === undefined
      ? undefined
      : await issueAnswerReceipts(this.#receipts, { request: { clientId: request.clientId, messages: isPromptRequest(request) ? hashedTurns(request) : receiptMessages(request) }, model: this.model.name, text: output.join(''), usage, timings, work, cancelled: finishReason === 'cancelled', source }, this.#log)
    const toolCalls = finishReason === 'stop' && calls?.complete === true ? calls.calls : undefined
    channel.push({ type: 'done', finishReason: finishReason ?? 'length', usage, timings, work, ...(receipt === undefined ? {} : { receipt }), ...(toolCalls === undefined ? {} : { toolCalls }) })
    channel.close()
  }

  /**
   * Streams one verified token (not end-of-generation); says `stop` when a
   * stop string or stop token sequence ends with it.
   */
  #emit (token: Token, generatedTokens: Token[], text: TextStream<Token>, prompt: ChatPrompt, say: (delta: string, logprobs?: TokenLogprob[], toolCall?: boolean) => void, logprobs: TokenLogprob[] | undefined): FinishReason | undefined {
    generatedTokens.push(token)
    const step = text.push(token)
    // A token's logprobs go out with it even when its text is held back (it may begin a stop string).
    if (step.text !== '' || (logprobs !== undefined && step.call === undefined)) {
      say(step.text, logprobs)
    }
    if (step.call !== undefined && (step.call !== '' || logprobs !== undefined)) {
      say(step.call, logprobs, true)
    }
    if (step.stopped || endsWithAny(generatedTokens, prompt.stopTokenSequences)) {
      return 'stop'
    }
    return undefined
  }

  /** A request's logit bias as node-llama-cpp's token bias (added to the logits), or none. */
  #tokenBias (logitBias: CompletionRequest['logitBias']): TokenBias | undefined {
    if (logitBias === undefined || logitBias.length === 0) {
      return undefined
    }
    const bias = new TokenBias(this.#model.tokenizer)
    for (const { token, bias: logit } of logitBias) {
      bias.set(token as Token, { logit })
    }
    return bias
  }

  readonly #detokenize = (tokens: readonly Token[], previous: readonly Token[]): string => this.#model.detokenize(tokens, false, previous)

  #stopStrings (request: Pick<CompletionRequest, 'stop'>, prompt: ChatPrompt): string[] {
    return [...request.stop, ...prompt.stopStrings]
  }

  /** The answer a request continues, checked and replayed (see continuation.ts); none for a fresh one. */
  #continued (request: Pick<CompletionRequest, 'continuation' | 'stop'>, prompt: ChatPrompt): ContinuedAnswer<Token> | undefined {
    if (request.continuation === undefined || request.continuation.tokens.length === 0) {
      return undefined
    }
    return continueAnswer(request.continuation, {
      tokenizerFingerprint: this.model.tokenizerFingerprint,
      vocabularySize: this.#vocabularySize,
      isEndOfGeneration: (token) => this.#model.isEogToken(token),
      detokenize: this.#detokenize
    }, this.#stopStrings(request, prompt))
  }

  /**
   * `token`'s log probability in the distribution it was chosen from, and
   * the `top` most likely tokens there. Texts are read after the answer so
   * far (`previous`), so a token that begins with a space shows it.
   */
  #logprob (probabilities: ReadonlyMap<Token, number> | undefined, token: Token, previous: readonly Token[], top: number): TokenLogprob {
    if (probabilities === undefined) {
      throw new Error('llama.cpp returned no probabilities')
    }
    const textOf = (candidate: Token): string => this.#model.detokenize([candidate], false, previous.slice(-8))
    const likeliest = [...probabilities.entries()].filter(([, probability]) => probability > 0).sort(([a, pa], [b, pb]) => pb - pa || a - b).slice(0, top)
    return {
      text: textOf(token),
      logprob: Math.log(probabilities.get(token) ?? 0),
      top: likeliest.map(([candidate, probability]) => ({ text: textOf(candidate), logprob: Math.log(probability) }))
    }
  }

  /** Cancels queued and running requests, then frees the model. */
  async dispose (): Promise<void> {
    this.#disposed ??= (async () => {
      this.#scheduler.close()
      this.#shutdown.abort()
      await Promise.allSettled([...this.#runs])
      await this.#context.dispose()
      await this.#model.dispose()
      await this.#llama.dispose()
    })()
    return this.#disposed
  }
}

/** The line of llama.cpp's log that says why a load failed (it logs the cause, then "failed to load model"). */
function loadFailureReason (lines: readonly string[]): string | undefined {
  const cause = lines.find((line) => /error loading model:/.test(line))
  return cause?.replace(/^.*error loading model:\s*/, '') ?? lines.at(-1)
}

/**
 * The verifier's fields of a request, checked with the protocol's one request
 * schema (protocol/chat-request-schema.ts) again here: the HTTP dialects and
 * the mesh parse with it already, but a verifier is also a library, and
 * nothing over the protocol's limits reaches llama.cpp. The seed is any
 * integer: the HTTP dialects take any, and the draw mixes it (sampling.ts).
 */
/** The fields every request shares, bounded as the protocol bounds them. */
const SharedFields = ChatRequestFields.pick({ maxTokens: true, temperature: true, topP: true, stop: true, logitBias: true }).extend({
  seed: z.number().refine(Number.isSafeInteger, { error: 'must be an integer' }).optional(),
  clientId: z.string(),
  topLogprobs: z.int().min(0).max(MAX_TOP_LOGPROBS).optional()
})

const CompletionFields = SharedFields.extend({ ...ChatRequestFields.pick({ messages: true, responseFormat: true, tools: true, toolChoice: true }).shape, parallelToolCalls: z.boolean().optional() }).check((context) => {
  const problem = toolChoiceProblem(context.value)
  if (problem !== undefined) {
    context.issues.push({ code: 'custom', path: ['toolChoice'], message: problem, input: context.value.toolChoice })
  }
})

/** A raw prompt's (the tokens themselves are checked as it is tokenized: raw-prompt.ts). */
const PromptCompletionFields = SharedFields.extend({
  prompt: z.union([z.string(), z.array(z.number())], { error: 'the prompt must be text or a list of token ids' }),
  suffix: z.string().optional(),
  logprobs: z.int().min(0).max(MAX_COMPLETION_LOGPROBS).optional()
})

function validateRequest (request: CompletionRequest | PromptCompletionRequest): void {
  const problem = isPromptRequest(request) ? firstProblem(PromptCompletionFields, request) : firstProblem(CompletionFields, request)
  if (problem !== undefined) {
    throw new InvalidRequestError(`invalid completion request: ${problem}`)
  }
}

type NextTokenRequest = NonNullable<Extract<ControlledEvaluateInputItem, unknown[]>[1]['generateNext']>

/**
 * What to ask llama.cpp for at each sampled position: the argmax at
 * temperature 0; otherwise the distribution after temperature and top-p over
 * the whole vocabulary (node-llama-cpp's default top-k of 40 and min-p are
 * turned off), from which {@link ownToken} draws. With a grammar, that
 * position's grammar state masks the tokens it forbids first (llama.cpp's
 * grammar sampler), so the argmax or draw is the constrained one; with
 * logprobs asked for, greedy positions return their distribution too.
 */
function nextTokenRequest (request: Pick<CompletionRequest, 'temperature' | 'topP' | 'topLogprobs'>, grammar: LlamaGrammarEvaluationState | undefined, bias: TokenBias | undefined): NextTokenRequest {
  const constrained = { ...(grammar === undefined ? {} : { grammarEvaluationState: grammar }), ...(bias === undefined ? {} : { tokenBias: bias }) }
  if (request.temperature === 0) {
    return { token: true, ...(request.topLogprobs === undefined ? {} : { probabilities: true }), options: { temperature: 0, ...constrained } }
  }
  return { probabilities: true, options: { temperature: request.temperature, topP: request.topP, topK: 0, minP: 0, ...constrained } }
}

/** The verifier's own token at answer position `index`: the argmax, or a draw that depends only on (seed, index). */
function ownToken (next: { token?: Token | null, probabilities?: Map<Token, number> } | undefined, request: Pick<CompletionRequest, 'temperature'>, seed: number, index: number): Token {
  if (request.temperature === 0) {
    if (next?.token == null) {
      throw new Error('llama.cpp returned no token')
    }
    return next.token
  }
  if (next?.probabilities == null) {
    throw new Error('llama.cpp returned no probabilities')
  }
  return drawToken(next.probabilities, positionUniform(seed, index)) as Token
}

/** Text deltas waiting for a busy reader travel as one (see EventChannel's `merge`). */
function joinDeltas (waiting: CompletionEvent, pushed: CompletionEvent): CompletionEvent | undefined {
  // Message content and a tool call's text stay apart.
  if (waiting.type !== 'delta' || pushed.type !== 'delta' || waiting.toolCall !== pushed.toolCall) {
    return undefined
  }
  const logprobs = [...waiting.logprobs ?? [], ...pushed.logprobs ?? []]
  const tokens = [...waiting.tokens ?? [], ...pushed.tokens ?? []]
  const toolCallParts = [...waiting.toolCallParts ?? [], ...pushed.toolCallParts ?? []]
  return { type: 'delta', text: waiting.text + pushed.text, tokens, ...(logprobs.length === 0 ? {} : { logprobs }), ...(waiting.toolCall === true ? { toolCall: true } : {}), ...(toolCallParts.length === 0 ? {} : { toolCallParts }) }
}

function noWork (): Work {
  return { passes: 0, draftedTokens: 0, acceptedTokens: 0 }
}

function randomSeed (): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] ?? 0
}

function endsWithAny (tokens: readonly Token[], sequences: readonly Token[][]): boolean {
  return sequences.some((sequence) => sequence.length <= tokens.length && sequence.every((token, index) => tokens[tokens.length - sequence.length + index] === token))
}
