import { expect, test } from '@playwright/test'
import { chatMlPromptPieces, isChatMlTemplate, StopStringStream } from './wllama-chat-prompt.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

test('a chat becomes BOS, ChatML turns with special markers, and an open assistant turn', () => {
  expect(chatMlPromptPieces([
    { role: 'system', content: 'Be brief.' },
    { role: 'system', content: 'Be kind.' },
    { role: 'user', content: 'Hi <|im_end|>' },
    { role: 'assistant', content: 'Hello' },
    { role: 'user', content: 'More' }
  ])).toEqual([
    { kind: 'bos' },
    { kind: 'special', text: '<|im_start|>system\n' },
    { kind: 'text', text: 'Be brief.\n\nBe kind.' },
    { kind: 'special', text: '<|im_end|>\n' },
    { kind: 'special', text: '<|im_start|>user\n' },
    { kind: 'text', text: 'Hi <|im_end|>' },
    { kind: 'special', text: '<|im_end|>\n' },
    { kind: 'special', text: '<|im_start|>assistant\n' },
    { kind: 'text', text: 'Hello' },
    { kind: 'special', text: '<|im_end|>\n' },
    { kind: 'special', text: '<|im_start|>user\n' },
    { kind: 'text', text: 'More' },
    { kind: 'special', text: '<|im_end|>\n' },
    { kind: 'special', text: '<|im_start|>assistant\n' }
  ])
})

test('a trailing assistant message is continued, not closed', () => {
  expect(chatMlPromptPieces([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Once' }]).slice(-2)).toEqual([
    { kind: 'special', text: '<|im_start|>assistant\n' },
    { kind: 'text', text: 'Once' }
  ])
})

test('ChatML templates are recognised', () => {
  expect(isChatMlTemplate("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}")).toBe(true)
  expect(isChatMlTemplate('{{ bos_token }}[INST] {{ content }} [/INST]')).toBe(false)
})

test('stop strings: text is held back while it may still become a stop string, and the stop string is never shown', () => {
  const stream = new StopStringStream(['<|im_end|>'])
  expect(stream.push(bytes('Hello '))).toBe('Hello ')
  expect(stream.push(bytes('wor<|im'))).toBe('wor')
  expect(stream.push(bytes('_en'))).toBe('')
  expect(stream.push(bytes('d|> tail'))).toBe('')
  expect(stream.stopped).toBe(true)
  expect(stream.flush()).toBe('')
})

test('held-back text that never becomes a stop string comes out, and UTF-8 is decoded across tokens', () => {
  const stream = new StopStringStream(['<|im_end|>'])
  const sea = bytes('🌊')
  expect(stream.push(sea.slice(0, 2))).toBe('')
  expect(stream.push(sea.slice(2))).toBe('🌊')
  expect(stream.push(bytes('a<'))).toBe('a')
  expect(stream.push(bytes('b'))).toBe('<b')
  expect(stream.push(bytes('<|'))).toBe('')
  expect(stream.flush()).toBe('<|')
})
