import { LlamaText } from 'node-llama-cpp'
import { InvalidRequestError } from './errors.ts'
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions, ChatWrapper, ChatWrapperGeneratedContextState, GbnfJsonSchema, LlamaModel, Token } from 'node-llama-cpp'
import type { ChatRequestMessage, ChatTool } from '#protocol'

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

/**
 * The chat history node-llama-cpp takes, ending with the (empty, or
 * prefilled) answer to write. An assistant turn's tool calls become
 * node-llama-cpp function calls, each with the result that a later `tool`
 * turn gave it (by call id), so the chat wrapper renders them in the model's
 * own function-calling syntax. A tool result that answers no call is shown
 * as a user turn that says what it is.
 */
export function chatHistoryFromMessages (messages: readonly ChatRequestMessage[]): ChatHistoryItem[] {
  const results = new Map<string, string>()
  for (const message of messages) {
    if (message.role === 'tool' && message.toolCallId !== undefined) {
      results.set(message.toolCallId, message.content)
    }
  }
  const answered = new Set<string>()
  const history: ChatHistoryItem[] = []
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        history.push({ type: 'system', text: message.content })
        break
      case 'user':
        history.push({ type: 'user', text: message.content })
        break
      case 'assistant': {
        const calls = (message.toolCalls ?? []).map((call): ChatModelFunctionCall => {
          answered.add(call.id)
          return { type: 'functionCall', name: call.name, params: parseArguments(call.arguments), result: results.get(call.id) ?? '' }
        })
        // Text before the calls, if any (a turn without calls keeps its text as it is, even empty).
        history.push({ type: 'model', response: calls.length === 0 ? [message.content] : [...(message.content === '' ? [] : [message.content]), ...calls] })
        break
      }
      case 'tool':
        if (message.toolCallId === undefined || !answered.has(message.toolCallId)) {
          history.push({ type: 'user', text: `Tool result${message.toolCallId === undefined ? '' : ` (${message.toolCallId})`}: ${message.content}` })
        }
        break
    }
  }
  // A trailing assistant message is continued (a prefill); otherwise a new answer starts.
  const last = history.at(-1)
  if (last?.type !== 'model' || (messages.at(-1)?.toolCalls?.length ?? 0) > 0) {
    history.push({ type: 'model', response: [] })
  }
  return history
}

/** A call's arguments as the wrapper renders them: the JSON value, or the text when it is not JSON. */
function parseArguments (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** The tools as node-llama-cpp's chat wrappers document them in the prompt. */
export function functionsFromTools (tools: readonly ChatTool[]): ChatModelFunctions {
  return Object.fromEntries(tools.map((tool) => [tool.name, {
    ...(tool.description === undefined ? {} : { description: tool.description }),
    ...(tool.parameters === undefined ? {} : { params: tool.parameters as GbnfJsonSchema })
  }]))
}

/**
 * The wrapper's rendering of the chat. Tools' parameters are client-given
 * JSON schemas, which the wrapper documents by walking them: one it cannot
 * walk is the request's fault.
 *
 * @throws {InvalidRequestError} when a tool's parameters cannot be documented
 */
function generateContextState (chatWrapper: ChatWrapper, messages: readonly ChatRequestMessage[], tools: readonly ChatTool[]): ChatWrapperGeneratedContextState {
  const chatHistory = chatHistoryFromMessages(messages)
  if (tools.length === 0) {
    return chatWrapper.generateContextState({ chatHistory })
  }
  try {
    return chatWrapper.generateContextState({ chatHistory, availableFunctions: functionsFromTools(tools), documentFunctionParams: true })
  } catch (err) {
    throw new InvalidRequestError(`the tools' parameters cannot be documented in the prompt: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** The prompt for `messages`; `tools` (none unless given) are documented in it by the chat wrapper. */
export function buildChatPrompt (model: LlamaModel, chatWrapper: ChatWrapper, messages: readonly ChatRequestMessage[], tools: readonly ChatTool[] = []): ChatPrompt {
  const state = generateContextState(chatWrapper, messages, tools)
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
