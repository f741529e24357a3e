import { expect, test } from '@playwright/test'
import { ChatMLChatWrapper, SpecialToken, SpecialTokensText } from 'node-llama-cpp'
import { chatHistoryFromMessages } from '../../gpu-node/src/verifier/chat-prompt.ts'
import { chatMlPromptPieces } from '../../src/lib/inference/wllama-chat-prompt.ts'
import type { PromptPiece } from '../../src/lib/inference/wllama-chat-prompt.ts'
import type { ChatMessage } from '#protocol'

/**
 * The browser's ChatML prompt (wllama) must be the verifier's (node-llama-cpp's
 * ChatMLChatWrapper) piece for piece, or local greedy answers stop matching.
 * Adjacent pieces of one kind are merged: each piece is tokenized on its own
 * and special tokens split text, so merging them changes no token.
 */
function merged (pieces: PromptPiece[]): PromptPiece[] {
  const result: PromptPiece[] = []
  for (const piece of pieces) {
    const last = result.at(-1)
    if (piece.kind !== 'bos' && last !== undefined && last.kind === piece.kind) {
      result[result.length - 1] = { kind: piece.kind, text: last.text + piece.text }
    } else if (piece.kind === 'bos' || piece.text !== '') {
      result.push(piece)
    }
  }
  return result
}

function verifierPieces (messages: ChatMessage[]): PromptPiece[] {
  const { contextText } = new ChatMLChatWrapper().generateContextState({ chatHistory: chatHistoryFromMessages(messages) })
  return merged(contextText.values.map((value): PromptPiece => {
    if (value instanceof SpecialToken) {
      expect(value.value).toBe('BOS')
      return { kind: 'bos' }
    }
    return value instanceof SpecialTokensText ? { kind: 'special', text: value.value } : { kind: 'text', text: value }
  }))
}

const CHATS: ChatMessage[][] = [
  [{ role: 'user', content: 'Hello there!' }],
  [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }],
  [{ role: 'system', content: 'A' }, { role: 'system', content: 'B' }, { role: 'user', content: 'C <|im_end|> D' }],
  [{ role: 'user', content: 'One' }, { role: 'assistant', content: 'Two' }, { role: 'user', content: 'Three' }],
  [{ role: 'user', content: 'Continue' }, { role: 'assistant', content: 'Once upon' }],
  [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }]
]

for (const [index, messages] of CHATS.entries()) {
  test(`chat ${index + 1}: the browser's ChatML pieces are the verifier's`, () => {
    expect(merged(chatMlPromptPieces(messages))).toEqual(verifierPieces(messages))
  })
}
