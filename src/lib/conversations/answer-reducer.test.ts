import { expect, test } from '@playwright/test'
import { ChatError, VerifierGoneError, VerifierUnreachableError } from '../chat/errors.ts'
import { InferenceEngineError } from '../inference/index.ts'
import type { MessageRecord } from '../storage/index.ts'
import { DEVICE_GONE_TEXT, applyAnswerEvent, endAnswer, historyBefore, lastPartOf, liveAfterEvent, newAnswer } from './answer-reducer.ts'
import type { AnswerEvent, LiveAnswer } from './answer-reducer.ts'

const VERIFIER = '12D3KooWVerifierAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const OTHER_VERIFIER = '12D3KooWVerifierBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
const DONE: AnswerEvent = { type: 'done', finishReason: 'stop', usage: { promptTokens: 5, completionTokens: 2 }, timings: { queuedMs: 0, firstTokenMs: 10, totalMs: 20 } }

function fromVerifier (model = 'llama'): MessageRecord {
  return newAnswer({ id: 'a1', conversationId: 'c1', sequence: 1, answerer: { kind: 'verifier', peerId: VERIFIER, model }, writerLock: 'shoal-chat-writer-x', now: 1_000 })
}

function replay (record: MessageRecord, events: AnswerEvent[]): MessageRecord {
  return events.reduce((current, event, index) => applyAnswerEvent(current, event, 2_000 + index), record)
}

test('a new answer is empty and streaming, names its verifier and model, and carries the writer lock', () => {
  expect(fromVerifier()).toEqual({
    id: 'a1', conversationId: 'c1', sequence: 1, role: 'assistant', content: '', status: 'streaming', createdAt: 1_000, updatedAt: 1_000,
    verifierPeerId: VERIFIER, model: 'llama', demo: false, writerLock: 'shoal-chat-writer-x'
  })
  // A verifier that announced no model gets its name from `started`.
  expect(fromVerifier('')).not.toHaveProperty('model')
  const onDevice = newAnswer({ id: 'a2', conversationId: 'c1', sequence: 3, answerer: { kind: 'device', model: 'shoal-demo' }, writerLock: 'lock', now: 1 })
  expect(onDevice).toMatchObject({ model: 'shoal-demo (this device)', demo: true })
  expect(onDevice).not.toHaveProperty('verifierPeerId')
})

test('a verifier\'s stream becomes the stored answer: its model, the text, then how it finished', () => {
  const answer = replay(fromVerifier(''), [
    { type: 'queued', position: 2, etaMs: 4_000, tier: 'consumer' },
    { type: 'started', model: 'shoal-demo', tokenizerFingerprint: 'f', contextLength: 2048, demo: true, agent: 'gpu-node' },
    { type: 'delta', text: 'Hello' },
    { type: 'delta', text: ', sea' },
    DONE
  ])
  // The context length it announced is kept: the next prompt to that model must fit it.
  expect(answer).toMatchObject({ content: 'Hello, sea', status: 'complete', model: 'shoal-demo', demo: true, contextLength: 2048, finishReason: 'stop', usage: { promptTokens: 5, completionTokens: 2 }, timings: { totalMs: 20 }, updatedAt: 2_003 })
  expect(applyAnswerEvent(fromVerifier(), { ...DONE, finishReason: 'cancelled' }, 0).status).toBe('cancelled')
})

test('an answer on this device keeps its own model name when the engine starts', () => {
  const onDevice = newAnswer({ id: 'a', conversationId: 'c', sequence: 1, answerer: { kind: 'device', model: 'shoal-demo' }, writerLock: 'lock', now: 1 })
  const started = applyAnswerEvent(onDevice, { type: 'started', model: 'shoal-demo', tokenizerFingerprint: '', contextLength: 0, demo: true, agent: 'this device' }, 2)
  expect(started.model).toBe('shoal-demo (this device)')
  // An engine that announces no context length (0) leaves it unknown.
  expect(started).not.toHaveProperty('contextLength')
  // One that does has it kept, as a verifier's is: the page shows how full it is and fits the next prompt to it.
  expect(applyAnswerEvent(onDevice, { type: 'started', model: 'shoal-demo', tokenizerFingerprint: '', contextLength: 512, demo: true, agent: 'this device' }, 2)).toMatchObject({ model: 'shoal-demo (this device)', contextLength: 512 })
})

test('an answer taken over by another verifier names that one (keeping the model when it announced none)', () => {
  const moved = applyAnswerEvent(fromVerifier(), { type: 'answerer', answerer: { kind: 'verifier', peerId: OTHER_VERIFIER, model: 'qwen' } }, 5)
  expect(moved).toMatchObject({ verifierPeerId: OTHER_VERIFIER, model: 'qwen' })
  expect(applyAnswerEvent(fromVerifier(), { type: 'answerer', answerer: { kind: 'verifier', peerId: OTHER_VERIFIER, model: '' } }, 5).model).toBe('llama')
})

test('how an answer ends: stopped, broken off, refused, failed, or ended without done', () => {
  const partial = replay(fromVerifier(), [{ type: 'delta', text: 'Once upon' }])
  const stopped = endAnswer(partial, { failure: new DOMException('stopped', 'AbortError'), stopped: true }, 9)
  expect(stopped).toMatchObject({ status: 'cancelled', content: 'Once upon', updatedAt: 9 })
  expect(stopped.writerLock).toBeUndefined()
  expect(endAnswer(partial, { failure: new VerifierGoneError('the stream broke'), stopped: false }, 9))
    .toMatchObject({ status: 'interrupted', content: 'Once upon', error: 'The verifier went away before finishing this answer.' })
  expect(endAnswer(partial, { failure: new InferenceEngineError('EngineDisposedError', 'worker gone'), stopped: false }, 9))
    .toMatchObject({ status: 'interrupted', error: DEVICE_GONE_TEXT })
  expect(endAnswer(fromVerifier(), { failure: new ChatError('BUSY', 'queue full', { retryAfterSeconds: 5 }), stopped: false }, 9))
    .toMatchObject({ status: 'error', error: 'The verifier is busy. Try again in 5 s.' })
  expect(endAnswer(fromVerifier(), { failure: new VerifierUnreachableError('no stream'), stopped: false }, 9).status).toBe('error')
  // Errors that crossed a worker as plain objects are matched by name too.
  expect(endAnswer(partial, { failure: { name: 'VerifierGoneError', message: 'gone' }, stopped: false }, 9).status).toBe('interrupted')
  expect(endAnswer(partial, { stopped: false }, 9).status).toBe('interrupted')
  const complete = replay(fromVerifier(), [{ type: 'delta', text: 'Done.' }, DONE])
  expect(endAnswer(complete, { stopped: false }, 9)).toMatchObject({ status: 'complete', writerLock: undefined, updatedAt: 9 })
})

test('the progress line follows the stream, and says "stopping" from Stop to the end', () => {
  const connecting: LiveAnswer = { messageId: 'a1', conversationId: 'c1', phase: 'connecting' }
  const queued = liveAfterEvent(connecting, { type: 'queued', position: 2, etaMs: 4_000, tier: 'contributor' })
  expect(queued).toEqual({ ...connecting, phase: 'queued', queuePosition: 2, etaMs: 4_000, tier: 'contributor' })
  const answering = liveAfterEvent(queued, { type: 'delta', text: 'x' })
  expect(answering).toMatchObject({ phase: 'answering', queuePosition: undefined, etaMs: undefined })
  expect(liveAfterEvent(answering, { type: 'delta', text: 'y' })).toBe(answering)
  expect(liveAfterEvent(answering, { type: 'answerer', answerer: { kind: 'verifier', peerId: OTHER_VERIFIER, model: '' } }).phase).toBe('connecting')
  const stopping: LiveAnswer = { ...queued, phase: 'stopping' }
  expect(liveAfterEvent(stopping, { type: 'started', model: 'm', tokenizerFingerprint: '', contextLength: 0, demo: false, agent: '' }).phase).toBe('stopping')
  expect(liveAfterEvent(stopping, { type: 'delta', text: 'z' }).phase).toBe('stopping')
})

test('the history sent with an answer is every earlier turn with text, partial answers in, failed ones out', () => {
  const turn = (sequence: number, role: 'user' | 'assistant', content: string, status: MessageRecord['status'] = 'complete'): MessageRecord =>
    ({ id: `m${sequence}`, conversationId: 'c', sequence, role, content, status, createdAt: 0, updatedAt: 0 })
  const messages = [turn(0, 'user', 'Hi'), turn(1, 'assistant', 'Hel', 'interrupted'), turn(2, 'user', 'Again'), turn(3, 'assistant', '', 'error'), turn(4, 'user', 'Once more'), turn(5, 'assistant', 'x', 'error'), turn(6, 'assistant', '')]
  expect(historyBefore(messages, 6)).toEqual([
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hel' },
    { role: 'user', content: 'Again' },
    { role: 'user', content: 'Once more' }
  ])
})

test('a hand-over keeps the text shown, records who wrote which part, and the last part is what its receipt covers', () => {
  const prompt = [{ role: 'user' as const, content: 'Tell me a story.' }]
  const answer = replay(fromVerifier('shoal-demo'), [
    { type: 'started', model: 'shoal-demo', tokenizerFingerprint: 'f', contextLength: 512, demo: true, agent: 'gpu-node' },
    { type: 'delta', text: 'Once upon' },
    { type: 'handover', answerer: { kind: 'verifier', peerId: OTHER_VERIFIER, model: 'shoal-demo' }, start: 9, continued: true, reason: 'The verifier went away before finishing this answer.' },
    { type: 'started', model: 'shoal-demo', tokenizerFingerprint: 'f', contextLength: 512, demo: true, agent: 'gpu-node' },
    { type: 'delta', text: ' a time' },
    DONE
  ])
  expect(answer).toMatchObject({ content: 'Once upon a time', status: 'complete', verifierPeerId: OTHER_VERIFIER })
  expect(answer.parts).toEqual([
    { verifierPeerId: VERIFIER, model: 'shoal-demo', start: 0, continued: false },
    { verifierPeerId: OTHER_VERIFIER, model: 'shoal-demo', start: 9, continued: true, reason: 'The verifier went away before finishing this answer.' }
  ])
  expect(lastPartOf(answer, prompt)).toEqual({ prompt: [...prompt, { role: 'assistant', content: 'Once upon' }], text: ' a time' })
  // One that started afresh wrote (and signed for) the whole text; one verifier alone, too.
  const afresh = { ...answer, parts: answer.parts?.map((part) => ({ ...part, start: 0, continued: false })) }
  expect(lastPartOf(afresh, prompt)).toEqual({ prompt, text: 'Once upon a time' })
  expect(lastPartOf(fromVerifier(), prompt)).toEqual({ prompt, text: '' })
  // While the next verifier connects, the page says the answer is being continued.
  const live: LiveAnswer = { messageId: 'a1', conversationId: 'c1', phase: 'answering' }
  expect(liveAfterEvent(live, { type: 'handover', answerer: { kind: 'verifier', peerId: OTHER_VERIFIER, model: 'shoal-demo' }, start: 9, continued: true, reason: '' }).phase).toBe('continuing')
})
