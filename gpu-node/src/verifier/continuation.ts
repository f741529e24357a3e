import { InvalidRequestError } from './errors.ts'
import { TextStream } from './text-stream.ts'
import type { Detokenize } from './text-stream.ts'
import type { ChatContinuation } from '#protocol'
import type { ChatRequestMessage, CompletionRequest } from './types.ts'

/**
 * Continuing an answer another verifier began (see protocol/chat-continuation.ts):
 * the prompt is the chat's own, followed by the answer's tokens so far, and
 * the answer's text stream is brought to where the first verifier's was by
 * replaying those tokens through it. What the replay writes must be the text
 * the client has shown, or the tokens are not that answer's and are refused.
 * From there every position, draw and stop check is the one the first
 * verifier would have made, so at temperature 0 (or with the same seed) the
 * whole answer is the one a single verifier writes.
 */

/** An answer picked up where it was left: its tokens so far, and a text stream that has taken them. */
export interface ContinuedAnswer<Token> {
  tokens: Token[]
  text: TextStream<Token>
}

export interface ContinuationModel<Token> {
  /** The verifier's tokenizer fingerprint: a continuation's tokens must be in its vocabulary. */
  tokenizerFingerprint: string
  /** Tokens in the vocabulary: ids at or above it are refused. */
  vocabularySize: number
  isEndOfGeneration: (token: Token) => boolean
  detokenize: Detokenize<Token>
}

/**
 * Checks a continuation against this verifier's model and replays it.
 *
 * @param stopStrings - the answer's stop strings (the request's and the chat wrapper's), as the first verifier had them
 * @throws {InvalidRequestError} when the tokens are another tokenizer's, out of the vocabulary, already end the answer, or do not spell `text`
 */
export function continueAnswer<Token extends number> (continuation: ChatContinuation, model: ContinuationModel<Token>, stopStrings: readonly string[]): ContinuedAnswer<Token> {
  if (continuation.tokenizerFingerprint !== model.tokenizerFingerprint) {
    throw new InvalidRequestError('the answer to continue was written with another tokenizer than this verifier\'s')
  }
  if (continuation.tokens.some((token) => !Number.isInteger(token) || token < 0 || token >= model.vocabularySize)) {
    throw new InvalidRequestError(`the answer to continue has a token outside this model's vocabulary of ${model.vocabularySize}`)
  }
  // Checked against the vocabulary above, so they are this model's tokens.
  const tokens = continuation.tokens as Token[]
  const text = new TextStream<Token>(model.detokenize, stopStrings)
  let replayed = ''
  for (const token of tokens) {
    const step = text.push(token)
    if (model.isEndOfGeneration(token) || step.stopped) {
      throw new InvalidRequestError('the answer to continue has already ended')
    }
    replayed += step.text
  }
  if (replayed !== continuation.text) {
    throw new InvalidRequestError('the answer to continue does not match its tokens: its text is not what they spell')
  }
  return { tokens: [...tokens], text }
}

/**
 * The chat a continued answer's receipt names: the messages and, after them,
 * the answer so far as an assistant turn (what this verifier was asked to go on from).
 */
export function receiptMessages (request: Pick<CompletionRequest, 'messages' | 'continuation'>): ChatRequestMessage[] {
  const { continuation } = request
  return continuation === undefined || continuation.tokens.length === 0
    ? request.messages
    : [...request.messages, { role: 'assistant', content: continuation.text }]
}
