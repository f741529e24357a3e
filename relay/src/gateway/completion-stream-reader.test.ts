import { expect, test } from '@playwright/test'
import { CompletionStreamReader } from './completion-stream-reader.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const event = (chunk: object): string => `data: ${JSON.stringify(chunk)}\n\n`
const piece = (id: string, text: string, tokens?: number[], finish: string | null = null): object => ({ id, object: 'text_completion', created: id === 'a' ? 1 : 2, choices: [{ index: 0, text, logprobs: null, finish_reason: finish }], ...(tokens === undefined ? {} : { shoal_tokens: tokens }) })
const forwarded = (text: string, finish: string | null = null): string => event({ id: 'a', object: 'text_completion', created: 1, choices: [{ index: 0, text, logprobs: null, finish_reason: finish }] })

test('text_completion chunks go through whole, without tokens; after a hand-over they carry the first id and count the whole answer', () => {
  const answer = new CompletionStreamReader()
  const stream = event(piece('a', ' upon', [7])) + event(piece('a', '', [8])) + event(piece('a', ' a', [9]))
  expect(answer.push(bytes(stream.slice(0, -5)))).toBe(forwarded(' upon'))
  expect(answer.text).toBe(' upon')
  expect(answer.tokens).toEqual([7, 8])
  answer.handOver()
  const out = answer.push(bytes(event(piece('b', ' a', [9])) + event(piece('b', '', [], 'length')) + event({ id: 'b', object: 'text_completion', created: 2, choices: [], usage: { prompt_tokens: 8, completion_tokens: 1, total_tokens: 9 } }) + 'data: [DONE]\n\n'))
  expect(out).toBe(`${forwarded(' a')}${forwarded('', 'length')}${event({ id: 'a', object: 'text_completion', created: 1, choices: [], usage: { prompt_tokens: 6, completion_tokens: 3, total_tokens: 9 } })}data: [DONE]\n\n`)
  expect(answer.text).toBe(' upon a')
  expect(answer.tokens).toEqual([7, 8, 9])
  expect(answer.finished).toBe(true)
  expect(answer.ending()).toBe('')
})
