import type { ChatMessage, SignedReceipt } from '#protocol'
import type { RoutingHint } from '../chat/index.ts'
import type { MessageRecord, PrivacyPolicy } from '../storage/index.ts'
import type { AnswerEvent, Answerer } from './answer-reducer.ts'

/** What an answer is asked for. */
export interface AnswerRequest {
  /** The conversation so far (see `historyBefore`). */
  messages: ChatMessage[]
  maxTokens: number
  temperature: number
  /** Who may see the conversation besides the verifier (drafters); this device shows it to no one. */
  privacy: PrivacyPolicy
  /** The conversation's warm key: a verifier keeps it warm under this key, for its next turn (see protocol/warm-prefix.ts). */
  warmKey?: string
}

/** What routes an answer: the conversation's model and warm-prefix hash (see `pickVerifier`). */
export type AnswerHint = Omit<RoutingHint, 'random'>

/** What an answer's served receipt proves, once checked and kept: its id, or why it was refused. */
export type ReceiptOutcome = Pick<MessageRecord, 'receiptId' | 'receiptProblem' | 'drafting' | 'emulation'>

/**
 * Where an answer comes from: a verifier on the mesh
 * (`MeshAnswerSource`) or the model loaded on this device
 * (`DeviceAnswerSource`). The chat state asks one for an answerer, then
 * streams the answer from it and hands each event to the reducer
 * (`answer-reducer.ts`), so both kinds of answer are shown and stored alike.
 */
export interface AnswerSource {
  /**
   * Who would take an answer sent now, passing over the peers in `avoid`
   * (a retried answer's verifier) when another can take it; undefined when
   * none can.
   */
  answerer: (avoid?: readonly string[], hint?: AnswerHint) => Answerer | undefined
  /**
   * Resolves with an answerer as soon as one can take an answer (at once
   * when one can now), or undefined when `signal` aborts first.
   */
  waitForAnswerer: (options: { signal: AbortSignal, hint?: AnswerHint }) => Promise<Answerer | undefined>
  /**
   * Streams the answer from `answerer`: the events a verifier sends
   * (`queued`*, `started`, `delta`*, `done`), and `answerer` when another
   * verifier takes it over. Aborting `signal` stops it: the iteration then
   * rejects with the signal's reason.
   *
   * @throws errors matched by `name`: `ChatError`, `VerifierUnreachableError`, `VerifierGoneError` (mesh); `EngineNotLoadedError`, `EngineDisposedError` (this device)
   */
  answer: (request: AnswerRequest, answerer: Answerer, options: { signal: AbortSignal }) => AsyncIterable<AnswerEvent>
  /**
   * Checks and keeps the receipt a complete answer came with (in its
   * `done`); absent where answers come without receipts.
   */
  keepReceipt?: (receipt: SignedReceipt, answer: { verifierPeerId: string, prompt: ChatMessage[], text: string }) => Promise<ReceiptOutcome>
}
