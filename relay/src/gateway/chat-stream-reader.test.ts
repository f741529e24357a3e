import { expect, test } from '@playwright/test'
import { ChatStreamReader } from './chat-stream-reader.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const event = (chunk: object): string => `data: ${JSON.stringify(chunk)}\n\n`
const delta = (id: string, content: string, tokens?: number[], finish: string | null = null): object => ({ id, created: id === 'a' ? 1 : 2, choices: [{ index: 0, delta: { content }, finish_reason: finish }], ...(tokens === undefined ? {} : { shoal_tokens: tokens }) })
const opening = (id: string): object => ({ id, created: id === 'a' ? 1 : 2, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], shoal_tokens: [] })

test('only whole events are forwarded, without their tokens, and the text and tokens so far are kept', () => {
  const answer = new ChatStreamReader()
  const stream = event(opening('a')) + event(delta('a', 'Once', [7])) + ': queued comment\n\n' + event(delta('a', ' upon', [8, 9]))
  const cut = stream.length - 10
  const first = answer.push(bytes(stream.slice(0, cut)))
  expect(first).toBe(`${event({ id: 'a', created: 1, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}${event({ id: 'a', created: 1, choices: [{ index: 0, delta: { content: 'Once' }, finish_reason: null }] })}: queued comment\n\n`)
  expect(answer.text).toBe('Once')
  expect(answer.tokens).toEqual([7])
  // The half event left pending is never sent: the next verifier's stream starts clean.
  answer.handOver()
  const second = answer.push(bytes(event(opening('b')) + event(delta('b', ' upon', [8, 9])) + event(delta('b', '', [10])) + event(delta('b', '', [], 'length')) + 'data: [DONE]\n\n'))
  expect(second).toBe(`${event({ id: 'a', created: 1, choices: [{ index: 0, delta: { content: ' upon' }, finish_reason: null }] })}${event({ id: 'a', created: 1, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'length' }] })}data: [DONE]\n\n`)
  expect(answer.text).toBe('Once upon')
  expect(answer.tokens).toEqual([7, 8, 9, 10])
  expect(answer.finished).toBe(true)
  expect(answer.done).toBe(true)
  expect(answer.ending()).toBe('')
})

test('a multi-byte character split across chunks is read whole', () => {
  const answer = new ChatStreamReader()
  const all = bytes(event(delta('a', 'é', [1])))
  expect(answer.push(all.subarray(0, 40)) + answer.push(all.subarray(40))).toContain('é')
  expect(answer.text).toBe('é')
})

test('after a hand-over the usage counts the whole answer, and a stream cut after its last chunk still ends with [DONE]', () => {
  const answer = new ChatStreamReader()
  answer.push(bytes(event(delta('a', 'Once', [7, 8]))))
  answer.handOver()
  // The next verifier was prompted with the 2 tokens so far and wrote 1 more.
  const out = answer.push(bytes(event(delta('b', ' upon', [9], 'length')) + event({ id: 'b', created: 2, choices: [], usage: { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13 } })))
  expect(out).toContain(JSON.stringify({ prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 }))
  expect(answer.finished).toBe(true)
  expect(answer.ending()).toBe('data: [DONE]\n\n')
})

test('text that came without tokens marks the answer as one that cannot be continued', () => {
  const answer = new ChatStreamReader()
  answer.push(bytes(event(delta('a', 'Once'))))
  expect(answer.untokenized).toBe(true)
})
