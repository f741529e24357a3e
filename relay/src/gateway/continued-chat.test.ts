import { expect, test } from '@playwright/test'
import { StreamedAnswer, continuableChat, continuationBody } from './continued-chat.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const event = (chunk: object): string => `data: ${JSON.stringify(chunk)}\n\n`
const delta = (id: string, content: string, tokens?: number[], finish: string | null = null): object => ({ id, created: id === 'a' ? 1 : 2, choices: [{ index: 0, delta: { content }, finish_reason: finish }], ...(tokens === undefined ? {} : { shoal_tokens: tokens }) })
const opening = (id: string): object => ({ id, created: id === 'a' ? 1 : 2, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], shoal_tokens: [] })

test('only whole events are forwarded, without their tokens, and the text and tokens so far are kept', () => {
  const answer = new StreamedAnswer()
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
})

test('a multi-byte character split across chunks is read whole', () => {
  const answer = new StreamedAnswer()
  const all = bytes(event(delta('a', 'é', [1])))
  expect(answer.push(all.subarray(0, 40)) + answer.push(all.subarray(40))).toContain('é')
  expect(answer.text).toBe('é')
})

test('streamed chat completions without tools can be continued; the next verifier is asked for what is left', () => {
  const body = (json: object): Uint8Array => bytes(JSON.stringify(json))
  expect(continuableChat('/v1/chat/completions', body({ model: 'm', stream: false }))).toBeUndefined()
  expect(continuableChat('/v1/completions', body({ model: 'm', stream: true }))).toBeUndefined()
  expect(continuableChat('/v1/chat/completions', body({ model: 'm', stream: true, tools: [{ type: 'function' }] }))).toBeUndefined()
  expect(continuableChat('/v1/chat/completions', bytes('not json'))).toBeUndefined()
  const chat = continuableChat('/v1/chat/completions', body({ model: 'm', stream: true, max_completion_tokens: 5, messages: [] }))
  expect(chat?.maxTokens).toBe(5)
  const answer = new StreamedAnswer()
  answer.push(bytes(event(delta('a', 'Once', [7, 8]))))
  expect(JSON.parse(Buffer.from(continuationBody(chat ?? { body: {} }, answer, 'sha256:x') ?? new Uint8Array()).toString())).toEqual({
    model: 'm', stream: true, messages: [], max_tokens: 3, shoal_continuation: { text: 'Once', tokens: [7, 8], tokenizerFingerprint: 'sha256:x' }
  })
  answer.push(bytes(event(delta('a', ' upon', [9, 10, 11]))))
  expect(continuationBody(chat ?? { body: {} }, answer, 'sha256:x')).toBeUndefined()
  // Text that came without tokens cannot be continued.
  const untokenized = new StreamedAnswer()
  untokenized.push(bytes(event(delta('a', 'Once'))))
  expect(continuationBody({ body: {} }, untokenized, 'sha256:x')).toBeUndefined()
})
