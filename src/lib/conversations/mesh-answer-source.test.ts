import { expect, test } from '@playwright/test'
import { PeerRole } from '#protocol'
import type { ChatStreamEvent } from '#protocol'
import { ChatError, VerifierGoneError, VerifierUnreachableError } from '../chat/errors.ts'
import type { ChatNode, ChatRequestInit } from '../chat/index.ts'
import type { AnswerEvent } from './answer-reducer.ts'
import type { AnswerRequest } from './answer-source.ts'
import { HANDOVER_WAIT_MS, MeshAnswerSource } from './mesh-answer-source.ts'
import type { ChatMesh, VerifierPeer } from './mesh-answer-source.ts'

const NODE: ChatNode = {
  getConnections: () => [],
  dialProtocol: async () => { throw new Error('the tests chat through their own `chat`') }
}
const REQUEST: AnswerRequest = { messages: [{ role: 'user', content: 'Hi' }], maxTokens: 8, temperature: 0, privacy: 'verifier-only' }

/** A mesh as the page's MeshNode shows it: a peer list, replaced (with a `peers` event) as peers come and go. */
class TestMesh extends EventTarget implements ChatMesh {
  peers: VerifierPeer[] = []
  node: ChatNode | undefined = NODE

  hear (...peers: VerifierPeer[]): void {
    this.peers = peers
    this.dispatchEvent(new Event('peers'))
  }
}

function verifier (peerId: string, queueDepth = 0, contextLength = 0): VerifierPeer {
  return { peerId, role: PeerRole.VERIFIER, queueDepth, capacity: 1, connection: 'webrtc', model: 'shoal-demo', contextLength }
}

async function collect (events: AsyncIterable<AnswerEvent>): Promise<AnswerEvent[]> {
  const seen: AnswerEvent[] = []
  for await (const event of events) seen.push(event)
  return seen
}

test('a verifier heard while a message waits is found on the mesh\'s peer event, not on a timer', async () => {
  const mesh = new TestMesh()
  const source = new MeshAnswerSource({ mesh })
  expect(source.answerer()).toBeUndefined()
  const waiting = source.waitForAnswerer({ signal: AbortSignal.timeout(10_000) })
  mesh.hear(verifier('12D3KooWLate'))
  // Settled before any timer could have run: the event, not a poll, answered it.
  const first = await Promise.race([waiting, new Promise((resolve) => { setTimeout(() => { resolve('a timer ran first') }, 0) })])
  expect(first).toEqual({ kind: 'verifier', peerId: '12D3KooWLate', model: 'shoal-demo' })
})

test('the answerer carries the context its verifier announced, so a first message is fitted to it; none when not announced', () => {
  const mesh = new TestMesh()
  const source = new MeshAnswerSource({ mesh })
  mesh.hear(verifier('12D3KooWSays', 0, 2048))
  expect(source.answerer()).toEqual({ kind: 'verifier', peerId: '12D3KooWSays', model: 'shoal-demo', contextLength: 2048 })
  mesh.hear(verifier('12D3KooWQuiet'))
  expect(source.answerer()).toEqual({ kind: 'verifier', peerId: '12D3KooWQuiet', model: 'shoal-demo' })
})

test('with no verifier by the deadline, waiting ends with none; with no mesh node there is none either', async () => {
  const mesh = new TestMesh()
  const source = new MeshAnswerSource({ mesh })
  const started = Date.now()
  expect(await source.waitForAnswerer({ signal: AbortSignal.timeout(100) })).toBeUndefined()
  expect(Date.now() - started).toBeGreaterThanOrEqual(90)
  mesh.node = undefined
  mesh.hear(verifier('12D3KooWA'))
  expect(source.answerer()).toBeUndefined()
})

test('a busy verifier hands the answer to the next one before generating; one that started does not', async () => {
  const mesh = new TestMesh()
  mesh.hear(verifier('12D3KooWBusy'), verifier('12D3KooWFree', 1))
  const asked: string[] = []
  const source = new MeshAnswerSource({
    mesh,
    chat: async function * (_node, peerId, request): AsyncGenerator<ChatStreamEvent, void, undefined> {
      asked.push(String(peerId))
      expect((await (request as Promise<ChatRequestInit>)).messages).toEqual(REQUEST.messages)
      if (peerId === '12D3KooWBusy') throw new ChatError('BUSY', 'queue full', { retryAfterSeconds: 3 })
      yield { type: 'started', model: 'shoal-demo', tokenizerFingerprint: 'f', contextLength: 2048, demo: true, agent: 'gpu-node' }
      yield { type: 'delta', text: 'Hello' }
    }
  })
  const first = source.answerer()
  expect(first).toMatchObject({ peerId: '12D3KooWBusy' })
  if (first === undefined) return
  const events = await collect(source.answer(REQUEST, first, { signal: new AbortController().signal }))
  expect(asked).toEqual(['12D3KooWBusy', '12D3KooWFree'])
  expect(events.map((event) => event.type)).toEqual(['answerer', 'started', 'delta'])
  expect(events[0]).toEqual({ type: 'answerer', answerer: { kind: 'verifier', peerId: '12D3KooWFree', model: 'shoal-demo' } })

  const breaksAfterStarting = new MeshAnswerSource({
    mesh,
    chat: async function * (): AsyncGenerator<ChatStreamEvent, void, undefined> {
      yield { type: 'started', model: 'shoal-demo', tokenizerFingerprint: 'f', contextLength: 2048, demo: true, agent: 'gpu-node' }
      throw new ChatError('BUSY', 'gave up')
    }
  })
  await expect(collect(breaksAfterStarting.answer(REQUEST, first, { signal: new AbortController().signal }))).rejects.toMatchObject({ name: 'ChatError', code: 'BUSY' })
})

test('without a running mesh node an answer fails with a VerifierUnreachableError, matched by name', async () => {
  const mesh = new TestMesh()
  mesh.hear(verifier('12D3KooWOnly'))
  mesh.node = undefined
  const source = new MeshAnswerSource({ mesh })
  const failure = await collect(source.answer(REQUEST, { kind: 'verifier', peerId: '12D3KooWOnly', model: '' }, { signal: new AbortController().signal })).catch((err: unknown) => err)
  expect(failure).toBeInstanceOf(VerifierUnreachableError)
  expect(failure).toMatchObject({ name: 'VerifierUnreachableError', message: 'the mesh node is not running' })
})

test('a receipt cannot be checked without this page\'s peer id, and says so', async () => {
  const source = new MeshAnswerSource({ mesh: new TestMesh() })
  expect(await source.keepReceipt({ body: new Uint8Array(), signature: new Uint8Array() }, { verifierPeerId: '12D3KooWA', prompt: [], text: '' }))
    .toEqual({ receiptProblem: 'this page has no peer id to check the receipt against' })
})

const STARTED: ChatStreamEvent = { type: 'started', model: 'shoal-demo', tokenizerFingerprint: 'f', contextLength: 2048, demo: true, agent: 'gpu-node' }

test('a verifier that goes away mid-answer hands it over to one of the same model and tokenizer, which continues from its tokens', async () => {
  const mesh = new TestMesh()
  const otherTokenizer = { ...verifier('12D3KooWOtherTokenizer'), tokenizerFingerprint: 'g' }
  mesh.hear({ ...verifier('12D3KooWFirst'), tokenizerFingerprint: 'f' }, otherTokenizer, { ...verifier('12D3KooWSecond', 1), tokenizerFingerprint: 'f' })
  const asked: Array<{ peerId: string, request: ChatRequestInit }> = []
  const source = new MeshAnswerSource({
    mesh,
    chat: async function * (_node, peerId, request): AsyncGenerator<ChatStreamEvent, void, undefined> {
      asked.push({ peerId: String(peerId), request: await (request as Promise<ChatRequestInit>) })
      yield STARTED
      if (peerId === '12D3KooWFirst') {
        yield { type: 'delta', text: 'Once', tokens: [1] }
        yield { type: 'delta', text: ' upon', tokens: [2, 3] }
        throw new VerifierGoneError('the chat stream broke')
      }
      yield { type: 'delta', text: ' a time', tokens: [4] }
      yield { type: 'done', finishReason: 'length', usage: { promptTokens: 13, completionTokens: 1 }, timings: { queuedMs: 0, firstTokenMs: 1, totalMs: 2 } }
    }
  })
  const request = { ...REQUEST, temperature: 0.8 }
  const events = await collect(source.answer(request, { kind: 'verifier', peerId: '12D3KooWFirst', model: 'shoal-demo' }, { signal: new AbortController().signal }))
  expect(asked.map((chat) => chat.peerId)).toEqual(['12D3KooWFirst', '12D3KooWSecond'])
  const [first, second] = asked
  expect(first?.request).not.toHaveProperty('continuation')
  expect(second?.request).toMatchObject({ maxTokens: 5, continuation: { text: 'Once upon', tokens: [1, 2, 3], tokenizerFingerprint: 'f' } })
  // The answer has one seed, so the continuation samples each later position as the first verifier would have.
  expect(first?.request.seed).toEqual(expect.any(Number))
  expect(second?.request.seed).toBe(first?.request.seed)
  expect(events).toEqual([
    STARTED,
    { type: 'delta', text: 'Once' },
    { type: 'delta', text: ' upon' },
    { type: 'handover', answerer: { kind: 'verifier', peerId: '12D3KooWSecond', model: 'shoal-demo' }, start: 9, continued: true, reason: 'The verifier went away before finishing this answer.' },
    STARTED,
    { type: 'delta', text: ' a time' },
    // Counted as one answer: the tokens the second verifier was given are answer, not prompt.
    { type: 'done', finishReason: 'length', usage: { promptTokens: 10, completionTokens: 4 }, timings: { queuedMs: 0, firstTokenMs: 1, totalMs: 2 } }
  ])
})

test('a verifier that goes away before starting the answer hands it to another, which starts it afresh; with none, the answer waits for one to come back', async () => {
  const mesh = new TestMesh()
  mesh.hear(verifier('12D3KooWFirst'), verifier('12D3KooWSecond', 1))
  const asked: Array<{ peerId: string, request: ChatRequestInit }> = []
  let firstLives = 0
  const source = new MeshAnswerSource({
    mesh,
    chat: async function * (_node, peerId, request): AsyncGenerator<ChatStreamEvent, void, undefined> {
      asked.push({ peerId: String(peerId), request: await (request as Promise<ChatRequestInit>) })
      if (peerId === '12D3KooWFirst' && firstLives++ === 0) throw new VerifierGoneError('the chat stream broke before the answer started')
      if (peerId === '12D3KooWSecond') throw new VerifierGoneError('the chat stream broke before the answer started')
      yield STARTED
      yield { type: 'delta', text: 'Once', tokens: [1] }
      yield { type: 'done', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 1 }, timings: { queuedMs: 0, firstTokenMs: 1, totalMs: 2 } }
    }
  })
  const answering = collect(source.answer(REQUEST, { kind: 'verifier', peerId: '12D3KooWFirst', model: 'shoal-demo' }, { signal: AbortSignal.timeout(10_000) }))
  // Both went away before starting; the first comes back (it announces again) and takes the answer from the start.
  await expect.poll(() => asked.length).toBe(2)
  await new Promise((resolve) => { setTimeout(resolve, 50) })
  mesh.hear({ ...verifier('12D3KooWFirst'), lastSeenMs: Date.now() })
  const events = await answering
  expect(asked.map((chat) => chat.peerId)).toEqual(['12D3KooWFirst', '12D3KooWSecond', '12D3KooWFirst'])
  expect(asked.map((chat) => chat.request.continuation)).toEqual([undefined, undefined, undefined])
  expect(events).toEqual([
    { type: 'answerer', answerer: { kind: 'verifier', peerId: '12D3KooWSecond', model: 'shoal-demo' } },
    { type: 'waiting-for-verifier', waitMs: HANDOVER_WAIT_MS },
    { type: 'answerer', answerer: { kind: 'verifier', peerId: '12D3KooWFirst', model: 'shoal-demo' } },
    STARTED,
    { type: 'delta', text: 'Once' },
    { type: 'done', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 1 }, timings: { queuedMs: 0, firstTokenMs: 1, totalMs: 2 } }
  ])
})

test('a verifier that could not be reached is asked again once it announces again, when no other can answer', async () => {
  const mesh = new TestMesh()
  mesh.hear(verifier('12D3KooWFirst'))
  const asked: string[] = []
  const source = new MeshAnswerSource({
    mesh,
    chat: async function * (_node, peerId): AsyncGenerator<ChatStreamEvent, void, undefined> {
      asked.push(String(peerId))
      if (asked.length === 1) throw new VerifierUnreachableError('cannot open a chat with 12D3KooWFirst: no reservation')
      yield STARTED
      yield { type: 'done', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 0 }, timings: { queuedMs: 0, firstTokenMs: 1, totalMs: 2 } }
    }
  })
  const answering = collect(source.answer(REQUEST, { kind: 'verifier', peerId: '12D3KooWFirst', model: 'shoal-demo' }, { signal: AbortSignal.timeout(10_000) }))
  await expect.poll(() => asked.length).toBe(1)
  await new Promise((resolve) => { setTimeout(resolve, 50) })
  mesh.hear({ ...verifier('12D3KooWFirst'), lastSeenMs: Date.now() })
  const events = await answering
  expect(asked).toEqual(['12D3KooWFirst', '12D3KooWFirst'])
  expect(events.slice(0, 3)).toEqual([
    { type: 'waiting-for-verifier', waitMs: HANDOVER_WAIT_MS },
    { type: 'answerer', answerer: { kind: 'verifier', peerId: '12D3KooWFirst', model: 'shoal-demo' } },
    STARTED
  ])
})

test('an answer is not handed over without a verifier of its model and tokenizer, nor after a refusal', async () => {
  const mesh = new TestMesh()
  mesh.hear({ ...verifier('12D3KooWFirst'), tokenizerFingerprint: 'f' }, { ...verifier('12D3KooWOtherTokenizer'), tokenizerFingerprint: 'g' })
  const breaking = (failure: Error): MeshAnswerSource => new MeshAnswerSource({
    mesh,
    chat: async function * (): AsyncGenerator<ChatStreamEvent, void, undefined> {
      yield STARTED
      yield { type: 'delta', text: 'Once', tokens: [1] }
      throw failure
    }
  })
  const first = { kind: 'verifier', peerId: '12D3KooWFirst', model: 'shoal-demo' } as const
  await expect(collect(breaking(new VerifierGoneError('gone')).answer(REQUEST, first, { signal: new AbortController().signal }))).rejects.toMatchObject({ name: 'VerifierGoneError' })
  mesh.hear({ ...verifier('12D3KooWFirst'), tokenizerFingerprint: 'f' }, { ...verifier('12D3KooWSame'), tokenizerFingerprint: 'f' })
  await expect(collect(breaking(new ChatError('LIMIT', 'too many')).answer(REQUEST, first, { signal: new AbortController().signal }))).rejects.toMatchObject({ name: 'ChatError', code: 'LIMIT' })
})

test('an answer whose text stops flowing moves to another verifier long before the chat deadline, but only when there is one', async () => {
  const mesh = new TestMesh()
  mesh.hear({ ...verifier('12D3KooWSilent'), tokenizerFingerprint: 'f' }, { ...verifier('12D3KooWNext', 1), tokenizerFingerprint: 'f' })
  let silentSawCancel = false
  const source = new MeshAnswerSource({
    mesh,
    stall: { minimumMs: 50 },
    chat: async function * (_node, peerId, _request, options): AsyncGenerator<ChatStreamEvent, void, undefined> {
      yield STARTED
      if (peerId === '12D3KooWSilent') {
        yield { type: 'delta', text: 'Once', tokens: [1] }
        // Falls silent, as a killed verifier does, until the page gives up on it.
        await new Promise((resolve) => { options?.signal?.addEventListener('abort', resolve, { once: true }) })
        silentSawCancel = true
        options?.signal?.throwIfAborted()
      }
      yield { type: 'delta', text: ' upon', tokens: [2] }
      yield { type: 'done', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 1 }, timings: { queuedMs: 0, firstTokenMs: 1, totalMs: 2 } }
    }
  })
  const started = Date.now()
  const events = await collect(source.answer(REQUEST, { kind: 'verifier', peerId: '12D3KooWSilent', model: 'shoal-demo' }, { signal: new AbortController().signal }))
  expect(Date.now() - started).toBeLessThan(5_000)
  expect(silentSawCancel).toBe(true)
  expect(events.filter((event) => event.type === 'handover')).toEqual([expect.objectContaining({ answerer: expect.objectContaining({ peerId: '12D3KooWNext' }), start: 4, continued: true })])

  // Alone, a slow verifier is waited for: giving up on it would lose the answer.
  mesh.hear({ ...verifier('12D3KooWSlow'), tokenizerFingerprint: 'f' })
  const slow = new MeshAnswerSource({
    mesh,
    stall: { minimumMs: 20 },
    chat: async function * (): AsyncGenerator<ChatStreamEvent, void, undefined> {
      yield STARTED
      yield { type: 'delta', text: 'Once', tokens: [1] }
      await new Promise((resolve) => setTimeout(resolve, 150))
      yield { type: 'delta', text: ' upon', tokens: [2] }
      yield { type: 'done', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 2 }, timings: { queuedMs: 0, firstTokenMs: 1, totalMs: 2 } }
    }
  })
  const alone = await collect(slow.answer(REQUEST, { kind: 'verifier', peerId: '12D3KooWSlow', model: 'shoal-demo' }, { signal: new AbortController().signal }))
  expect(alone.map((event) => event.type)).toEqual(['started', 'delta', 'delta', 'done'])
})

test('a conversation\'s next turn goes to the verifier announcing it warm, and every chat carries its warm key', async () => {
  const mesh = new TestMesh()
  mesh.hear({ ...verifier('12D3KooWCold'), rttMs: 1 }, { ...verifier('12D3KooWWarm'), rttMs: 30, warmPrefixes: ['0123456789abcdef'] })
  const keys: Array<string | undefined> = []
  const source = new MeshAnswerSource({
    mesh,
    chat: async function * (_node, _peerId, request): AsyncGenerator<ChatStreamEvent, void, undefined> {
      keys.push((await (request as Promise<ChatRequestInit>)).warmKey)
      yield { type: 'done', finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 0 }, timings: { queuedMs: 0, firstTokenMs: 0, totalMs: 0 } }
    }
  })
  expect(source.answerer()).toMatchObject({ peerId: '12D3KooWCold' })
  const warm = source.answerer([], { warmPrefix: '0123456789abcdef', model: 'shoal-demo' })
  expect(warm).toMatchObject({ peerId: '12D3KooWWarm' })
  if (warm === undefined) return
  await collect(source.answer({ ...REQUEST, warmKey: 'conversation-id' }, warm, { signal: new AbortController().signal }))
  expect(keys).toEqual(['conversation-id'])
})
