import { LlamaText } from 'node-llama-cpp'
import type { ChatHistoryItem, ChatWrapper, LlamaModel, Token } from 'node-llama-cpp'
import type { ChatMessage } from './types.ts'

/**
 * Chat messages → prompt tokens, the way node-llama-cpp's own `LlamaChat`
 * does it: the messages become a chat history, the model's chat wrapper
 * (`resolveChatWrapper(model)`: ChatML for the demo model, the template or
 * a specialised wrapper for real ones) renders it as `LlamaText`, which is
 * tokenized with special tokens only where the wrapper put them. So message
 * text that spells `<|im_end|>` stays text, and the tokens match what
 * `LlamaChatSession` would evaluate for the same chat.
 *
 * The wrapper also says when to stop: its stop triggers become stop strings
 * (plain text) or stop token sequences (special tokens). End-of-generation
 * tokens always stop.
 */
export interface ChatPrompt {
  tokens: Token[]
  /** Text that ends the answer (not returned), from the chat wrapper. */
  stopStrings: string[]
  /** Token sequences that end the answer, from the chat wrapper (single end-of-generation tokens left out). */
  stopTokenSequences: Token[][]
  /** Text the answer starts with before anything is generated: a raw prompt's own, when it asked for `echo`. */
  echo?: string
}

/** The chat history node-llama-cpp takes, ending with the (empty, or prefilled) answer to write. */
export function chatHistoryFromMessages (messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message): ChatHistoryItem => {
    switch (message.role) {
      case 'system': return { type: 'system', text: message.content }
      case 'user': return { type: 'user', text: message.content }
      case 'assistant': return { type: 'model', response: [message.content] }
    }
  })
  // A trailing assistant message is continued (a prefill); otherwise a new answer starts.
  if (history.at(-1)?.type !== 'model') {
    history.push({ type: 'model', response: [] })
  }
  return history
}

export function buildChatPrompt (model: LlamaModel, chatWrapper: ChatWrapper, messages: readonly ChatMessage[]): ChatPrompt {
  const state = chatWrapper.generateContextState({ chatHistory: chatHistoryFromMessages(messages) })
  const tokens = state.contextText.tokenize(model.tokenizer)
  const stopStrings: string[] = []
  const stopTokenSequences: Token[][] = []
  for (const trigger of state.stopGenerationTriggers) {
    const text = LlamaText(trigger)
    if (text.values.every((value) => typeof value === 'string')) {
      const stop = text.toString()
      if (stop !== '') {
        stopStrings.push(stop)
      }
      continue
    }
    const sequence = text.tokenize(model.tokenizer)
    if (sequence.length === 0 || (sequence.length === 1 && model.isEogToken(sequence[0]))) {
      continue
    }
    stopTokenSequences.push(sequence)
  }
  return { tokens, stopStrings, stopTokenSequences }
}
