import { InvalidRequestError } from './errors.ts'
import type { LlamaModel, Token } from 'node-llama-cpp'
import type { ChatPrompt } from './chat-prompt.ts'
import type { CompletionRequest, PromptCompletionRequest } from './types.ts'

/**
 * A raw prompt → prompt tokens, with no chat template (`/v1/completions`).
 * Text is tokenized as llama.cpp's own server tokenizes a completion's
 * prompt: special tokens spelled in it (`<|im_start|>`) become those tokens,
 * since a raw prompt is where callers write a template by hand, and the
 * model's BOS token goes first when its tokenizer asks for one. Token ids are
 * taken as given (no BOS added), once checked against the vocabulary.
 *
 * With a suffix, the prompt becomes a fill-in-the-middle one, laid out as
 * node-llama-cpp's `LlamaCompletion.generateInfillCompletion` lays it out:
 * `[BOS] <PRE> prompt <SUF> suffix <MID>`.
 *
 * Nothing but end-of-generation tokens (and the request's `stop`) ends the
 * answer: there is no chat turn to close.
 *
 * @throws {InvalidRequestError} for an empty prompt, a token id outside the
 * vocabulary, or a suffix on a model without fill-in-the-middle tokens
 */
export function buildRawPrompt (model: LlamaModel, vocabularySize: number, request: Pick<PromptCompletionRequest, 'prompt' | 'suffix' | 'echo'>): ChatPrompt {
  const { prompt } = request
  const text = typeof prompt === 'string'
  const promptTokens = typeof prompt === 'string' ? model.tokenize(prompt, true) : checkedTokens(prompt, vocabularySize)
  // Token prompts are exactly what the caller wants evaluated; text gets what its tokenizer adds.
  const beginning = text && model.tokens.shouldPrependBosToken ? model.tokens.bos : null
  const tokens: Token[] = beginning == null || promptTokens[0] === beginning ? [] : [beginning]
  if (request.suffix == null) {
    tokens.push(...promptTokens)
  } else {
    const { prefix, suffix, middle } = model.tokens.infill
    if (prefix == null || suffix == null || middle == null) {
      throw new InvalidRequestError('this model has no fill-in-the-middle tokens, so it cannot complete a prompt with a suffix')
    }
    tokens.push(prefix, ...promptTokens, suffix, ...model.tokenize(request.suffix, true), middle)
  }
  if (tokens.length === 0) {
    throw new InvalidRequestError('the prompt is empty')
  }
  const echo = request.echo !== true ? undefined : typeof prompt === 'string' ? prompt : model.detokenize(promptTokens, false)
  return { tokens, stopStrings: [], stopTokenSequences: [], ...(echo === undefined ? {} : { echo }) }
}

/** True for a request that carries a raw prompt instead of chat messages. */
export function isPromptRequest (request: CompletionRequest | PromptCompletionRequest): request is PromptCompletionRequest {
  return 'prompt' in request
}

/**
 * What a served receipt's prompt hash covers: a chat's messages, or a raw
 * prompt as turns of its own (`prompt`, then `suffix` when there is one; a
 * token prompt as its ids in JSON), so the asker can recompute it. A
 * continued answer's text so far follows as an `assistant` turn, as a
 * continued chat's does (continuation.ts).
 */
export function hashedTurns (request: CompletionRequest | PromptCompletionRequest): ReadonlyArray<{ role: string, content: string }> {
  if (!isPromptRequest(request)) {
    return request.messages
  }
  const prompt = typeof request.prompt === 'string' ? request.prompt : JSON.stringify(request.prompt)
  const { continuation } = request
  return [
    { role: 'prompt', content: prompt },
    ...(request.suffix == null ? [] : [{ role: 'suffix', content: request.suffix }]),
    ...(continuation === undefined || continuation.tokens.length === 0 ? [] : [{ role: 'assistant', content: continuation.text }])
  ]
}

function checkedTokens (tokens: readonly number[], vocabularySize: number): Token[] {
  if (!Array.isArray(tokens)) {
    throw new InvalidRequestError('the prompt must be text or a list of token ids')
  }
  const checked: Token[] = []
  for (const [index, token] of tokens.entries()) {
    if (!Number.isInteger(token) || token < 0 || token >= vocabularySize) {
      throw new InvalidRequestError(`token ${index} of the prompt, ${String(token)}, is not a token of this model (ids run from 0 to ${vocabularySize - 1})`)
    }
    // Checked against the vocabulary just above.
    checked.push(token as Token)
  }
  return checked
}
