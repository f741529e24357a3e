import { ChatStreamReader } from './chat-stream-reader.ts'
import { CompletionStreamReader } from './completion-stream-reader.ts'
import { OllamaStreamReader } from './ollama-stream-reader.ts'
import type { AnswerReader } from './answer-reader.ts'
import type { Dialect } from './continuable-request.ts'

/** A reader for one streamed answer of `dialect`. */
export function streamReader (dialect: Dialect): AnswerReader {
  switch (dialect) {
    case 'chat':
      return new ChatStreamReader()
    case 'completion':
      return new CompletionStreamReader()
    case 'ollama-chat':
      return new OllamaStreamReader('chat')
    case 'ollama-generate':
      return new OllamaStreamReader('generate')
  }
}
