import { expect, test } from '@playwright/test'
import { OllamaStreamReader } from './ollama-stream-reader.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const line = (object: object): string => `${JSON.stringify(object)}\n`
const chat = (content: string, tokens?: number[]): object => ({ model: 'm', created_at: 't', message: { role: 'assistant', content }, done: false, ...(tokens === undefined ? {} : { shoal_tokens: tokens }) })
const last = { model: 'm', created_at: 't', message: { role: 'assistant', content: '' }, done: true, done_reason: 'length', prompt_eval_count: 12, eval_count: 1, eval_duration: 5 }

test('/api/chat lines go through whole, without tokens; after a hand-over the last line counts the whole answer', () => {
  const answer = new OllamaStreamReader('chat')
  const stream = line(chat('The', [7])) + line(chat('', [8])) + line(chat(' sea', [9]))
  expect(answer.push(bytes(stream.slice(0, -4)))).toBe(line(chat('The')))
  expect(answer.text).toBe('The')
  expect(answer.tokens).toEqual([7, 8])
  answer.handOver()
  const out = answer.push(bytes(line(chat(' sea', [9])) + line({ ...last, shoal_tokens: [] })))
  expect(out).toBe(line(chat(' sea')) + line({ ...last, prompt_eval_count: 10, eval_count: 3 }))
  expect(answer.text).toBe('The sea')
  expect(answer.finished).toBe(true)
  expect(answer.ending()).toBe('')
})

test('/api/generate reads its text from `response`; an error line goes through as it is', () => {
  const answer = new OllamaStreamReader('generate')
  const out = answer.push(bytes(line({ model: 'm', response: ' upon', done: false, shoal_tokens: [3, 4] }) + line({ error: 'the completion failed on the server' })))
  expect(out).toBe(line({ model: 'm', response: ' upon', done: false }) + line({ error: 'the completion failed on the server' }))
  expect(answer.text).toBe(' upon')
  expect(answer.tokens).toEqual([3, 4])
  expect(answer.finished).toBe(false)
})
