/**
 * Running the story models in node-llama-cpp for checks: chat prompts as
 * the verifier builds them, greedy answers, and teacher-forced agreement of
 * a draft with its target. Used by the build (train/verify-gguf.ts) and the
 * unit test, with the thread count always given (node-llama-cpp's default
 * oversubscribes small machines badly).
 */
import { getLlama, LlamaLogLevel, resolveChatWrapper } from 'node-llama-cpp'
import { buildChatPrompt } from '../gpu-node/src/verifier/chat-prompt.ts'
import type { ChatWrapper, Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp'
import type { ChatMessage } from '../gpu-node/src/verifier/types.ts'

export interface LoadedModel {
  model: LlamaModel
  context: LlamaContext
  sequence: LlamaContextSequence
  dispose: () => Promise<void>
}

let llamaPromise: Promise<Llama> | undefined

/** One CPU llama.cpp for the process, never built from source. */
export async function cpuLlama (): Promise<Llama> {
  llamaPromise ??= getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error })
  return llamaPromise
}

export async function loadModel (modelPath: string, threads: number, contextSize = 512): Promise<LoadedModel> {
  const llama = await cpuLlama()
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 })
  const context = await model.createContext({ contextSize, sequences: 1, threads, failedCreationRemedy: false })
  const sequence = context.getSequence()
  return {
    model,
    context,
    sequence,
    dispose: async () => {
      sequence.dispose()
      await context.dispose()
      await model.dispose()
    }
  }
}

// Resolving a model's chat wrapper parses its template (about a second): once per model.
const chatWrappers = new WeakMap<LlamaModel, ChatWrapper>()

/** The prompt tokens of a chat, exactly as Shoal's verifier builds them (ChatML, BOS first). */
export function chatPromptTokens (model: LlamaModel, messages: readonly ChatMessage[]): Token[] {
  let chatWrapper = chatWrappers.get(model)
  if (chatWrapper == null) {
    chatWrapper = resolveChatWrapper(model)
    chatWrappers.set(model, chatWrapper)
  }
  return buildChatPrompt(model, chatWrapper, messages).tokens
}

/** Greedy continuation of `prompt`, up to `count` tokens, stopping after an end-of-generation token. */
export async function greedyTokens (loaded: LoadedModel, prompt: readonly Token[], count: number): Promise<Token[]> {
  const { sequence, model } = loaded
  await sequence.clearHistory()
  const output: Token[] = []
  let input: Token[] = [...prompt]
  while (output.length < count) {
    const results = await sequence.controlledEvaluate(input.map((token, index) =>
      index === input.length - 1 ? [token, { generateNext: { token: true, options: { temperature: 0 } } }] : token))
    const next = results.at(-1)?.next.token
    if (next == null) {
      throw new Error('llama.cpp returned no token')
    }
    output.push(next)
    if (model.isEogToken(next)) {
      break
    }
    input = [next]
  }
  return output
}

/**
 * The model's argmax after each of `prefix + continuation[0..n-2]`, i.e. its
 * greedy guess for every token of `continuation`, in one pass.
 */
export async function teacherForcedGuesses (loaded: LoadedModel, prefix: readonly Token[], continuation: readonly Token[]): Promise<Token[]> {
  const { sequence } = loaded
  await sequence.clearHistory()
  const tokens = [...prefix, ...continuation.slice(0, -1)]
  const firstGuess = prefix.length - 1
  const results = await sequence.controlledEvaluate(tokens.map((token, index) =>
    index >= firstGuess ? [token, { generateNext: { token: true, options: { temperature: 0 } } }] : token))
  return results.slice(firstGuess).map((result) => {
    if (result?.next.token == null) {
      throw new Error('llama.cpp returned no token')
    }
    return result.next.token
  })
}

export interface Agreement {
  /** Share of the target's greedy answer tokens that the draft guessed, given everything before them. */
  rate: number
  agreed: number
  positions: number
}

/** Teacher-forced greedy agreement of `draft` with `target` over the target's greedy answers to `chats`. */
export async function greedyAgreement (target: LoadedModel, draft: LoadedModel, chats: readonly ChatMessage[][], answerTokens: number): Promise<Agreement> {
  let agreed = 0
  let positions = 0
  for (const chat of chats) {
    const prompt = chatPromptTokens(target.model, chat)
    const answer = await greedyTokens(target, prompt, answerTokens)
    const guesses = await teacherForcedGuesses(draft, prompt, answer)
    guesses.forEach((guess, index) => {
      positions++
      if (guess === answer[index]) {
        agreed++
      }
    })
  }
  return { rate: positions === 0 ? 0 : agreed / positions, agreed, positions }
}

/** The text of a greedy answer to a chat, without the end-of-turn token. */
export async function greedyAnswer (loaded: LoadedModel, chat: readonly ChatMessage[], answerTokens: number): Promise<string> {
  const tokens = await greedyTokens(loaded, chatPromptTokens(loaded.model, chat), answerTokens)
  return loaded.model.detokenize(tokens.filter((token) => !loaded.model.isEogToken(token)))
}
