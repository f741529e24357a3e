import { expect, test } from '@playwright/test'
import { InferenceEngineError } from '../inference/index.ts'
import type { ChatCompletionOptions, InferenceEngine } from '../inference/index.ts'
import type { AnswerEvent } from './answer-reducer.ts'
import type { AnswerRequest } from './answer-source.ts'
import { DeviceAnswerSource } from './device-answer-source.ts'

const REQUEST: AnswerRequest = { messages: [{ role: 'user', content: 'Hi' }], maxTokens: 8, temperature: 0, privacy: 'verifier-only' }

/** An engine that answers with fixed text: the chat part of the engine interface, nothing else. */
function engineSaying (...pieces: string[]): InferenceEngine {
  const unused = async (): Promise<never> => { throw new InferenceEngineError('EngineUnsupportedError', 'not in this test') }
  return {
    kind: 'test',
    capabilities: { tokens: false, backend: 'wasm' },
    model: { id: 'shoal-demo' },
    load: unused,
    chat: async function * (_messages, options: ChatCompletionOptions) {
      for (const piece of pieces) yield piece
      options.onDone?.({ finishReason: 'length', promptTokens: 3, completionTokens: pieces.length })
    },
    tokenize: unused,
    detokenize: unused,
    evaluate: unused,
    generateGreedy: unused,
    rewind: unused,
    contextLength: unused,
    unload: unused,
    dispose: unused
  }
}

test('with no model loaded, answering fails with an EngineNotLoadedError, matched by name', async () => {
  const source = new DeviceAnswerSource({ model: undefined, engine: undefined })
  expect(source.answerer()).toBeUndefined()
  const events = source.answer(REQUEST, { kind: 'device', model: 'shoal-demo' }, { signal: new AbortController().signal })
  const failure = await (async () => { for await (const _event of events) { /* none */ } })().catch((err: unknown) => err)
  expect(failure).toBeInstanceOf(InferenceEngineError)
  expect(failure).toMatchObject({ name: 'EngineNotLoadedError' })
})

test('a loaded model answers with the events a verifier sends: started, deltas, done with counts', async () => {
  const source = new DeviceAnswerSource({ model: 'shoal-demo', engine: engineSaying('Hel', 'lo') })
  const answerer = source.answerer()
  expect(answerer).toEqual({ kind: 'device', model: 'shoal-demo' })
  expect(await source.waitForAnswerer()).toEqual(answerer)
  const events: AnswerEvent[] = []
  for await (const event of source.answer(REQUEST, { kind: 'device', model: 'shoal-demo' }, { signal: new AbortController().signal })) events.push(event)
  expect(events.map((event) => event.type)).toEqual(['started', 'delta', 'delta', 'done'])
  expect(events[0]).toMatchObject({ model: 'shoal-demo', demo: true, agent: 'this device' })
  expect(events[3]).toMatchObject({ finishReason: 'length', usage: { promptTokens: 3, completionTokens: 2 }, timings: { queuedMs: 0 } })
})
