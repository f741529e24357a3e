import { chatWithVerifier, pickVerifier } from '../chat/index.ts'
import type { ChatMessage, ChatNode, VerifierCandidate } from '../chat/index.ts'
import { VerifierGoneError, VerifierUnreachableError } from '../chat/errors.ts'
import type { ChatContinuation, ChatStreamEvent, SignedReceipt } from '#protocol'
import { MAX_ANSWER_PARTS } from '../storage/index.ts'
import type { PeerEvents } from '../mesh/wait-for-peer.ts'
import { waitForPeer } from '../mesh/wait-for-peer.ts'
import { answerHelpOf, keepArrivedReceipt, presentableReceipts } from '../receipts/index.ts'
import type { AnswerEvent, Answerer } from './answer-reducer.ts'
import { AnswerSoFar } from './answer-so-far.ts'
import { StallWatch } from './stall-watch.ts'
import type { StallWatchInit } from './stall-watch.ts'
import type { AnswerHint, AnswerRequest, AnswerSource, ReceiptOutcome } from './answer-source.ts'
import { chatFailure, describeChatFailure } from './chat-text.ts'

/**
 * A verifier as the mesh lists it: what picking one needs, plus its announced
 * model, context (0 when not announced) and tokenizer (which an answer must
 * share to be handed over to it mid-way).
 */
export type VerifierPeer = VerifierCandidate & { model: string, contextLength: number, tokenizerFingerprint?: string }

/**
 * The page's mesh as the chat needs it: who can answer, the node to reach
 * them through, this page's peer id (receipts name it), and its `peers`
 * events. The page's `MeshNode` is one.
 */
export interface ChatMesh<Peer extends VerifierPeer = VerifierPeer> extends PeerEvents {
  readonly peers: readonly Peer[]
  readonly node: ChatNode | undefined
  readonly peerId?: string
}

export interface MeshAnswerSourceInit {
  mesh: ChatMesh
  /**
   * Sends one chat (a seam for tests).
   *
   * @default chatWithVerifier
   */
  chat?: typeof chatWithVerifier
  /**
   * When an answer that stopped streaming counts as gone, if another
   * verifier can take it over (see stall-watch.ts).
   *
   * @default StallWatch's defaults: 3 s, or 10 times the longest gap between deltas
   */
  stall?: Pick<StallWatchInit, 'minimumMs' | 'gapFactor'>
}

/** How long an answer whose verifier went away, with no other to go on, waits for one to come (or come back). */
export const HANDOVER_WAIT_MS = 20_000

/**
 * Answers from verifiers on the mesh. An answer goes to the verifier
 * `pickVerifier` ranks first; one that cannot take it before generating
 * anything (unreachable, or `BUSY`) hands it to the next, so a busy
 * verifier costs a round trip, not a failed answer. One that goes away
 * mid-answer (the stream breaks, it falls silent, it shuts down or fails)
 * hands it over to another verifier of the same model and tokenizer, which
 * continues the same answer from its tokens so far (`AnswerSoFar`), or, when
 * none can, waits up to HANDOVER_WAIT_MS for one to come or come back: at
 * temperature 0, or with the answer's one seed, the text is what one
 * verifier alone writes. Each chat presents this tab's drafted receipts
 * (priority at a busy verifier), and a complete answer's `served` receipt
 * is checked and kept.
 */
export class MeshAnswerSource implements AnswerSource {
  readonly #mesh: ChatMesh
  readonly #chat: typeof chatWithVerifier
  readonly #stall: Pick<StallWatchInit, 'minimumMs' | 'gapFactor'>

  constructor (init: MeshAnswerSourceInit) {
    this.#mesh = init.mesh
    this.#chat = init.chat ?? chatWithVerifier
    this.#stall = init.stall ?? {}
  }

  answerer (avoid: readonly string[] = [], hint: AnswerHint = {}): Answerer | undefined {
    if (this.#mesh.node === undefined) {
      return undefined
    }
    // Power of two choices: pages that heard the same announcements spread over the verifiers.
    const peer = pickVerifier(this.#mesh.peers, avoid, { ...hint, random: Math.random })
    if (peer === undefined) return undefined
    return { kind: 'verifier', peerId: peer.peerId, model: peer.model, ...(peer.contextLength > 0 ? { contextLength: peer.contextLength } : {}) }
  }

  async waitForAnswerer (options: { signal: AbortSignal, hint?: AnswerHint }): Promise<Answerer | undefined> {
    return waitForPeer(this.#mesh, () => this.answerer([], options.hint), options)
  }

  async * answer (request: AnswerRequest, answerer: Answerer, options: { signal: AbortSignal }): AsyncGenerator<AnswerEvent, void, undefined> {
    const { signal } = options
    if (answerer.kind !== 'verifier') {
      throw new TypeError('the mesh answers only through a verifier')
    }
    let verifier = answerer
    const tried = [verifier.peerId]
    const soFar = new AnswerSoFar()
    // One seed for the whole answer, so a verifier that continues it draws each later token as the first would have.
    const seed = request.temperature > 0 ? randomSeed() : undefined
    /** What the first verifier to start said it runs: a hand-over needs the same model and tokenizer. */
    let started: Extract<ChatStreamEvent, { type: 'started' }> | undefined
    let continuation: ChatContinuation | undefined
    let parts = 1
    while (true) {
      // A verifier whose text stops flowing is given up on when another can go on (see stall-watch.ts).
      const stalled = new AbortController()
      const watch = new StallWatch({
        ...this.#stall,
        onStall: (silentMs) => {
          if (started === undefined || this.#successor(started, tried) === undefined) return false
          stalled.abort(new VerifierGoneError(`the verifier sent nothing for ${(silentMs / 1000).toFixed(1)} s, and another can go on`))
          return true
        }
      })
      try {
        const node = this.#mesh.node
        if (node === undefined) {
          throw new VerifierUnreachableError('the mesh node is not running')
        }
        const maxTokens = request.maxTokens - (continuation?.tokens.length ?? 0)
        if (maxTokens < 1) {
          throw new VerifierGoneError('the verifier went away after the last token, before finishing the answer')
        }
        // Read while the chat stream opens.
        const chatRequest = this.#presentableReceipts(verifier.peerId).then((receipts) => ({
          ...request,
          maxTokens,
          receipts,
          ...(seed === undefined ? {} : { seed }),
          ...(continuation === undefined ? {} : { continuation })
        }))
        for await (const event of this.#chat(node, verifier.peerId, chatRequest, { signal: AbortSignal.any([signal, stalled.signal]) })) {
          switch (event.type) {
            case 'started':
              started ??= event
              yield event
              break
            case 'delta': {
              watch.text()
              const text = this.#fresh(soFar, event)
              // A delta wholly under text already shown says nothing new (an empty one is the verifier's heartbeat).
              if (text !== '' || event.text === '') yield { type: 'delta', text }
              break
            }
            case 'done':
              // The verifier counts the answer so far as prompt; the page counts it as answer.
              yield continuation === undefined ? event : { ...event, usage: { promptTokens: event.usage.promptTokens - continuation.tokens.length, completionTokens: event.usage.completionTokens + continuation.tokens.length } }
              break
            default:
              yield event
          }
        }
        return
      } catch (err) {
        if (signal.aborted) {
          throw err
        }
        if (started === undefined) {
          // Nothing generated yet, and the verifier could not take it or went away before starting: another one may,
          // or (gone, with none other) the same one once it is back; nothing was shown, so it starts afresh.
          const failure = chatFailure(err)
          // One that could not be reached (nothing was sent) is tried again once it announces again: a dial
          // fails for a moment when, say, its reservation at the relay is not made yet or the relay restarts.
          const unreachable = failure.name === 'VerifierUnreachableError' && this.#mesh.node !== undefined
          const gone = (wentAway(err) || unreachable) && parts < MAX_ANSWER_PARTS
          let next = gone || failure.name === 'VerifierUnreachableError' || failure.code === 'BUSY' ? this.answerer(tried) : undefined
          if (next === undefined && gone) {
            const wentAwayAt = Date.now()
            yield { type: 'waiting-for-verifier', waitMs: HANDOVER_WAIT_MS }
            next = await waitForPeer(this.#mesh, () => this.answerer(notReturned(tried, this.#mesh.peers, wentAwayAt)), { signal: AbortSignal.any([signal, AbortSignal.timeout(HANDOVER_WAIT_MS)]) })
          }
          if (next?.kind !== 'verifier') {
            throw err
          }
          if (gone) parts++
          verifier = next
          tried.push(next.peerId)
          yield { type: 'answerer', answerer: next }
          continue
        }
        if (parts >= MAX_ANSWER_PARTS || !wentAway(err)) {
          throw err
        }
        let next = this.#successor(started, tried)
        if (next === undefined) {
          // None can go on now: one may come, or the same one come back (restarted), in a while.
          const wentAwayAt = Date.now()
          yield { type: 'waiting-for-verifier', waitMs: HANDOVER_WAIT_MS }
          const from = started
          next = await waitForPeer(this.#mesh, () => this.#successor(from, tried, wentAwayAt), { signal: AbortSignal.any([signal, AbortSignal.timeout(HANDOVER_WAIT_MS)]) })
        }
        if (next === undefined) {
          throw err
        }
        continuation = soFar.restart(started.tokenizerFingerprint)
        verifier = next
        tried.push(next.peerId)
        parts++
        yield { type: 'handover', answerer: next, start: continuation?.text.length ?? 0, continued: continuation !== undefined, reason: describeChatFailure(chatFailure(err)) }
      } finally {
        watch.stop()
      }
    }
  }

  /** The text of a delta not shown yet; an answer that cannot go on as shown broke off. */
  #fresh (soFar: AnswerSoFar, delta: { text: string, tokens?: number[] }): string {
    try {
      return soFar.push(delta)
    } catch (err) {
      throw new VerifierGoneError(err instanceof Error ? err.message : String(err), { cause: err })
    }
  }

  /**
   * Who continues an answer its verifier left: the best other verifier of
   * the same model and tokenizer; with `returnedSince`, also one tried
   * before that announced itself again since then (it restarted).
   */
  #successor (started: Extract<ChatStreamEvent, { type: 'started' }>, tried: readonly string[], returnedSince?: number): Extract<Answerer, { kind: 'verifier' }> | undefined {
    const peers = this.#mesh.peers.filter((peer) => peer.model === started.model && peer.tokenizerFingerprint === started.tokenizerFingerprint)
    const excluded = returnedSince === undefined ? tried : notReturned(tried, peers, returnedSince)
    const peer = pickVerifier(peers, excluded)
    return peer === undefined ? undefined : { kind: 'verifier', peerId: peer.peerId, model: peer.model, ...(peer.contextLength > 0 ? { contextLength: peer.contextLength } : {}) }
  }

  async keepReceipt (receipt: SignedReceipt, answer: { verifierPeerId: string, prompt: ChatMessage[], text: string }): Promise<ReceiptOutcome> {
    const self = this.#mesh.peerId
    if (self === undefined) {
      return { receiptProblem: 'this page has no peer id to check the receipt against' }
    }
    try {
      const outcome = await keepArrivedReceipt(receipt, { kind: 'served', issuer: answer.verifierPeerId, subject: self, prompt: answer.prompt, answerText: answer.text })
      return 'kept' in outcome ? { receiptId: outcome.kept.id, ...answerHelpOf(outcome.kept) } : { receiptProblem: outcome.rejected }
    } catch (err) {
      return { receiptProblem: `the receipt cannot be stored: ${err instanceof Error ? err.message : String(err)}` }
    }
  }

  /** Drafted receipts this tab earned elsewhere, to move up a busy verifier's queue (none when they cannot be read). */
  async #presentableReceipts (verifierPeerId: string): Promise<SignedReceipt[]> {
    const self = this.#mesh.peerId
    if (self === undefined) {
      return []
    }
    return presentableReceipts(verifierPeerId, self, Date.now()).catch((err: unknown) => {
      console.warn('Shoal: cannot read receipts to present', err)
      return []
    })
  }
}

/**
 * Whether a chat that broke off mid-answer is worth continuing elsewhere:
 * its verifier went away, gave up (shutting down) or failed. Refusals of
 * the request itself (`LIMIT`, invalid) would be refused again.
 */
function wentAway (err: unknown): boolean {
  const failure = chatFailure(err)
  return failure.name === 'VerifierGoneError' || failure.code === 'CANCELLED' || failure.code === 'INTERNAL'
}

/** Of the verifiers tried, those not heard from since `since` (one heard again has restarted and may be tried anew). */
function notReturned (tried: readonly string[], peers: readonly VerifierPeer[], since: number): string[] {
  return tried.filter((peerId) => (peers.find((peer) => peer.peerId === peerId)?.lastSeenMs ?? 0) <= since)
}

function randomSeed (): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] ?? 0
}
