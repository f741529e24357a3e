import { chatWithVerifier, pickVerifier } from '../chat/index.ts'
import type { ChatMessage, ChatNode, VerifierCandidate } from '../chat/index.ts'
import { VerifierUnreachableError } from '../chat/errors.ts'
import type { SignedReceipt } from '#protocol'
import type { PeerEvents } from '../mesh/wait-for-peer.ts'
import { waitForPeer } from '../mesh/wait-for-peer.ts'
import { answerHelpOf, keepArrivedReceipt, presentableReceipts } from '../receipts/index.ts'
import type { AnswerEvent, Answerer } from './answer-reducer.ts'
import type { AnswerRequest, AnswerSource, ReceiptOutcome } from './answer-source.ts'
import { chatFailure } from './chat-text.ts'

/** A verifier as the mesh lists it: what picking one needs, plus its announced model and context (0 when not announced). */
export type VerifierPeer = VerifierCandidate & { model: string, contextLength: number }

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
}

/**
 * Answers from verifiers on the mesh. An answer goes to the verifier
 * `pickVerifier` ranks first; one that cannot take it before generating
 * anything (unreachable, or `BUSY`) hands it to the next, so a busy
 * verifier costs a round trip, not a failed answer. Each chat presents this
 * tab's drafted receipts (priority at a busy verifier), and a complete
 * answer's `served` receipt is checked and kept.
 */
export class MeshAnswerSource implements AnswerSource {
  readonly #mesh: ChatMesh
  readonly #chat: typeof chatWithVerifier

  constructor (init: MeshAnswerSourceInit) {
    this.#mesh = init.mesh
    this.#chat = init.chat ?? chatWithVerifier
  }

  answerer (avoid: readonly string[] = []): Answerer | undefined {
    if (this.#mesh.node === undefined) {
      return undefined
    }
    const peer = pickVerifier(this.#mesh.peers, avoid)
    if (peer === undefined) return undefined
    return { kind: 'verifier', peerId: peer.peerId, model: peer.model, ...(peer.contextLength > 0 ? { contextLength: peer.contextLength } : {}) }
  }

  async waitForAnswerer (options: { signal: AbortSignal }): Promise<Answerer | undefined> {
    return waitForPeer(this.#mesh, () => this.answerer(), options)
  }

  async * answer (request: AnswerRequest, answerer: Answerer, options: { signal: AbortSignal }): AsyncGenerator<AnswerEvent, void, undefined> {
    const { signal } = options
    if (answerer.kind !== 'verifier') {
      throw new TypeError('the mesh answers only through a verifier')
    }
    let verifier = answerer
    const tried = [verifier.peerId]
    let started = false
    while (true) {
      try {
        const node = this.#mesh.node
        if (node === undefined) {
          throw new VerifierUnreachableError('the mesh node is not running')
        }
        // Read while the chat stream opens.
        const withReceipts = this.#presentableReceipts(verifier.peerId).then((receipts) => ({ ...request, receipts }))
        for await (const event of this.#chat(node, verifier.peerId, withReceipts, { signal })) {
          started ||= event.type === 'started'
          yield event
        }
        return
      } catch (err) {
        // Nothing generated yet, and the verifier could not take it: another one may.
        const failure = chatFailure(err)
        const movable = failure.name === 'VerifierUnreachableError' || failure.code === 'BUSY'
        const next = !signal.aborted && !started && movable ? this.answerer(tried) : undefined
        if (next?.kind !== 'verifier') {
          throw err
        }
        verifier = next
        tried.push(next.peerId)
        yield { type: 'answerer', answerer: next }
      }
    }
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
