/**
 * The chat protocol end to end without a browser: a real relay and a real
 * gpu-node running a random demo model, and a libp2p client in this process that
 * reaches the verifier the way a page does before WebRTC is up (through the
 * relay) and chats with the page's own client code (`src/lib/chat`).
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { expect, test } from '@playwright/test'
import { GpuNodeHealth } from '../../gpu-node/src/api-server.ts'
import { createChatProtocol } from '../../gpu-node/src/chat/index.ts'
import { createLlamaVerifier } from '../../gpu-node/src/verifier/llama-verifier.ts'
import { chatWithVerifier } from '../../src/lib/chat/index.ts'
import { getLlama, resolveChatWrapper } from 'node-llama-cpp'
import { ToolCallReader, toolCallSyntax } from '../../gpu-node/src/verifier/tool-call-syntax.ts'
import { Ajv } from 'ajv'
import { BOOTSTRAP_PATH, CHAT_PROTOCOL, MAX_CHAT_REQUEST_BYTES, decodeChatEvent, encodeChatRequest, parseBootstrap, promptHash, readToolCallAnswer, sha256Hex, verifyReceipt } from '#protocol'
import { ChatPrivacy, ChatRequest, ChatRole, ToolChoiceMode } from '../../protocol/messages.ts'
import { createShoalNode } from '#server'
import { ensureDemoModels, referenceGreedyCompletion } from '../support/models.ts'
import { startGpuNode, startRelay, waitFor } from '../support/processes.ts'
import type { ChatRequestInit, ChatStreamEvent } from '../../src/lib/chat/index.ts'
import type { ChatProtocol } from '../../gpu-node/src/chat/index.ts'
import type { ChatServerEvent, ValidChatRequest } from '#protocol'
import type { ShoalProcess } from '../support/processes.ts'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'

/** One relay and one verifier for the whole file: one chat at a time, one more may wait. */
const CAPACITY = 1
const QUEUE_SIZE = 1

let relay: ShoalProcess
let verifier: ShoalProcess
let verifierId: PeerId
let relayAddress: string
let modelPath: string
const clients: Libp2p[] = []

test.describe.configure({ mode: 'serial' })

test.beforeAll(async () => {
  test.setTimeout(120_000)
  // The random 256x4 demo target, not the default story model: cancelling, busy and limit checks
  // need answers that run for seconds, and it never ends one before max tokens (2048-token context),
  // where the story model ends its story within a few hundred tokens.
  modelPath = (await ensureDemoModels()).target
  relay = await startRelay()
  verifier = await startGpuNode({
    relayUrl: relay.url,
    extraArgs: ['--model', modelPath, '--model-name', 'shoal-demo', '--capacity', String(CAPACITY), '--queue-size', String(QUEUE_SIZE)]
  })
  const health = await waitFor('the verifier to reach the relay and load its model', async () => {
    const body = GpuNodeHealth.parse(await (await fetch(`${verifier.url}/health`)).json())
    return body.relay === 'connected' && body.model.loaded ? body : undefined
  }, 60_000)
  verifierId = peerIdFromString(health.peerId)
  const bootstrap = parseBootstrap(await (await fetch(`${relay.url}${BOOTSTRAP_PATH}`)).json())
  relayAddress = bootstrap.multiaddrs[0] ?? ''
})

test.afterEach(async () => {
  await Promise.all(clients.splice(0).map(async (client) => { await client.stop() }))
})

test.afterAll(async () => {
  await verifier?.stop()
  await relay?.stop()
})

/** A peer of its own (so per-peer limits count it separately), connected to the verifier through the relay. */
async function relayedClient (): Promise<Libp2p> {
  const client = await createShoalNode({
    privateKey: await generateKeyPair('Ed25519'),
    transports: [webSockets(), circuitRelayTransport()],
    connectionGater: { denyDialMultiaddr: () => false }
  })
  clients.push(client)
  await client.start()
  await client.dial(multiaddr(`${relayAddress}/p2p-circuit/p2p/${verifierId.toString()}`), { signal: AbortSignal.timeout(10_000) })
  return client
}

async function collect (events: AsyncIterable<ChatStreamEvent>): Promise<{ events: ChatStreamEvent[], text: string }> {
  const seen: ChatStreamEvent[] = []
  for await (const event of events) {
    seen.push(event)
  }
  return { events: seen, text: seen.map((event) => event.type === 'delta' ? event.text : '').join('') }
}

/**
 * Opens a raw chat stream, for speaking the protocol badly on purpose, on the
 * client's connection: `dialProtocol` would open a new relayed connection per
 * stream, since an existing one is limited.
 */
async function rawChatStream (client: Libp2p): Promise<Stream> {
  const [connection] = client.getConnections(verifierId)
  if (connection === undefined) {
    throw new Error('the client is not connected to the verifier')
  }
  return connection.newStream(CHAT_PROTOCOL, { runOnLimitedConnection: true, signal: AbortSignal.timeout(10_000) })
}

async function readEvent (messages: ReturnType<typeof lpStream>, timeoutMs = 5_000): Promise<ChatServerEvent> {
  return decodeChatEvent(await messages.read({ signal: AbortSignal.timeout(timeoutMs) }))
}

/** Resolves once the verifier has closed its side of the stream (reading gives end of stream). */
async function expectClosedByVerifier (messages: ReturnType<typeof lpStream>, timeoutMs = 10_000): Promise<void> {
  await expect(messages.read({ signal: AbortSignal.timeout(timeoutMs) })).rejects.toMatchObject({ name: 'UnexpectedEOFError' })
}

/** An unsigned varint, as length prefixes are written. */
function varint (value: number): number[] {
  const bytes: number[] = []
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80)
    value = Math.floor(value / 0x80)
  }
  return [...bytes, value]
}

async function metric (name: string): Promise<number> {
  const text = await (await fetch(`${verifier.url}/metrics`)).text()
  const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text)
  return match === null ? 0 : Number(match[1])
}

async function expectHealthyVerifier (): Promise<void> {
  expect(verifier.child.exitCode).toBeNull()
  expect((await fetch(`${verifier.url}/health`)).status).toBe(200)
  expect(verifier.output()).not.toMatch(/uncaught|unhandled/i)
}

const conversation: ChatRequestInit['messages'] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Tell me about the sea.' }
]

test('a greedy chat streams exactly what node-llama-cpp answers alone', async () => {
  const client = await relayedClient()
  const maxTokens = 48
  const { events, text } = await collect(chatWithVerifier(client, verifierId, { messages: conversation, maxTokens, temperature: 0 }))
  const reference = await referenceGreedyCompletion(modelPath, conversation, maxTokens)
  expect(text).toBe(reference.text)
  expect(text.length).toBeGreaterThan(0)

  const types = events.map((event) => event.type)
  expect(types.filter((type) => type === 'started')).toHaveLength(1)
  expect(types.indexOf('started')).toBeLessThan(types.indexOf('delta'))
  expect(types.at(-1)).toBe('done')
  // A model given as a file is not the built-in demo (verifier.spec.ts and chat.spec.ts check the default's `demo: true`).
  expect(events.find((event) => event.type === 'started')).toMatchObject({ model: 'shoal-demo', demo: false, agent: expect.stringMatching(/^shoal\//) })
  const done = events.at(-1)
  expect(done).toMatchObject({ type: 'done', finishReason: expect.stringMatching(/^(stop|length)$/) })
  if (done?.type === 'done') {
    expect(done.usage.promptTokens).toBeGreaterThan(0)
    expect(done.usage.completionTokens).toBeGreaterThan(0)
    expect(done.usage.completionTokens).toBeLessThanOrEqual(maxTokens)
    expect(done.timings.totalMs).toBeGreaterThanOrEqual(done.timings.firstTokenMs)
    // The `served` receipt: signed by the verifier, issued to this peer, naming this very answer by its hash.
    expect(done.receipt).toBeDefined()
    const receipt = await verifyReceipt(done.receipt ?? { body: new Uint8Array(), signature: new Uint8Array() }, { issuer: verifierId.toString(), subject: client.peerId.toString() })
    expect(receipt).toMatchObject({ kind: 'served', sequence: 1, previousId: '', completionTokens: done.usage.completionTokens, promptTokens: done.usage.promptTokens, outputHash: await sha256Hex(text), promptHash: await promptHash(conversation) })
  }
  expect(await metric('shoal_gpu_node_chats_completed_total')).toBeGreaterThanOrEqual(1)
})

test('cancelling mid-answer stops the verifier and frees its only slot for the next chat', async () => {
  const client = await relayedClient()
  const controller = new AbortController()
  let deltas = 0
  const cancelledBefore = await metric('shoal_gpu_node_chats_cancelled_total')
  await expect((async () => {
    for await (const event of chatWithVerifier(client, verifierId, { messages: conversation, maxTokens: 4096 }, { signal: controller.signal })) {
      if (event.type === 'delta' && ++deltas === 3) {
        controller.abort()
      }
    }
  })()).rejects.toMatchObject({ name: 'AbortError' })
  await waitFor('the verifier to count the cancelled chat', async () => await metric('shoal_gpu_node_chats_cancelled_total') > cancelledBefore ? true : undefined)

  // With one slot, the next chat is served at once only if the cancelled one let go of it.
  const { events } = await collect(chatWithVerifier(client, verifierId, { messages: conversation, maxTokens: 8 }))
  expect(events.some((event) => event.type === 'queued')).toBe(false)
  expect(events.at(-1)).toMatchObject({ type: 'done' })
})

test('a client that vanishes mid-answer is noticed and its slot freed', async () => {
  const client = await relayedClient()
  const stream = await rawChatStream(client)
  const messages = lpStream(stream)
  await messages.write(encodeChatRequest({ requestId: 'vanishing', messages: conversation, maxTokens: 4096, temperature: 0, topP: 1, stop: [], privacy: 'verifier-only' }))
  await waitFor('a delta', async () => (await readEvent(messages)).type === 'delta' ? true : undefined)
  const cancelledBefore = await metric('shoal_gpu_node_chats_cancelled_total')
  stream.abort(new Error('the tab closed'))
  await waitFor('the verifier to cancel the abandoned chat', async () => await metric('shoal_gpu_node_chats_cancelled_total') > cancelledBefore ? true : undefined)
  const { events } = await collect(chatWithVerifier(client, verifierId, { messages: conversation, maxTokens: 8 }))
  expect(events.some((event) => event.type === 'queued')).toBe(false)
  expect(events.at(-1)).toMatchObject({ type: 'done' })
})

test('a response format and a forced tool call travel over the mesh: the answers fit their schemas', async () => {
  const client = await relayedClient()
  const ask = async (request: Partial<ValidChatRequest>): Promise<string> => {
    const messages = lpStream(await rawChatStream(client))
    await messages.write(encodeChatRequest({ requestId: 'agent', messages: conversation, maxTokens: 200, temperature: 0, topP: 1, stop: [], privacy: 'verifier-only', ...request }))
    let text = ''
    while (true) {
      const event = await readEvent(messages, 30_000)
      if (event.type === 'delta') text += event.text
      if (event.type === 'error') throw new Error(event.message)
      if (event.type === 'done') {
        expect(event.finishReason).toBe('stop')
        return text
      }
    }
  }
  const answer = { type: 'object', properties: { ok: { type: 'boolean' }, colour: { type: 'string', enum: ['red', 'green'] } }, required: ['ok', 'colour'], additionalProperties: false }
  expect(new Ajv().compile(answer)(JSON.parse(await ask({ responseFormat: { type: 'json_schema', schema: answer } })))).toBe(true)
  const city = { type: 'object', properties: { city: { type: 'string', enum: ['Paris', 'Oslo'] } }, required: ['city'], additionalProperties: false }
  const call = readToolCallAnswer(await ask({ tools: [{ name: 'get_weather', parameters: city }, { name: 'get_time' }], toolChoice: { name: 'get_weather' } }))
  expect(call?.name).toBe('get_weather')
  expect(new Ajv().compile(city)(JSON.parse(call?.arguments ?? ''))).toBe(true)
  // A logit bias travels too: toward the first token of the call syntax, the model calls a tool on its own.
  const llama = await getLlama({ gpu: false, build: 'never' })
  const vocabulary = await llama.loadModel({ modelPath, gpuLayers: 0, vocabOnly: true })
  const syntax = toolCallSyntax(resolveChatWrapper(vocabulary), vocabulary)
  const startToken = vocabulary.tokenize(syntax?.startToken ?? '', true)[0] ?? 0
  await llama.dispose()
  if (syntax === undefined) throw new Error('the model\'s chat wrapper has no call syntax')
  const own = new ToolCallReader(syntax, ['get_weather'])
  own.push(await ask({ tools: [{ name: 'get_weather', parameters: city }], logitBias: [{ token: startToken, bias: 100 }] }))
  expect(own.complete).toBe(true)
  expect(new Ajv().compile(city)(JSON.parse(own.calls[0]?.arguments ?? ''))).toBe(true)
  // The page's client takes them too.
  const fromPage = await collect(chatWithVerifier(client, verifierId, { messages: conversation, maxTokens: 200, tools: [{ name: 'get_weather', parameters: city }], toolChoice: 'required' }))
  expect(new Ajv().compile(city)(JSON.parse(readToolCallAnswer(fromPage.text)?.arguments ?? ''))).toBe(true)
  const formatted = await collect(chatWithVerifier(client, verifierId, { messages: conversation, maxTokens: 200, responseFormat: { type: 'json_schema', schema: answer } }))
  expect(new Ajv().compile(answer)(JSON.parse(formatted.text))).toBe(true)
  // A tool choice naming no tool is malformed, and the verifier carries on.
  const messages = lpStream(await rawChatStream(client))
  const bad = ChatRequest.encode({ requestId: 'bad-tool', messages: [{ role: ChatRole.USER, content: 'x', toolCalls: [] }], maxTokens: 4, temperature: 0, topP: 1, stop: [], privacy: ChatPrivacy.VERIFIER_ONLY, toolChoice: ToolChoiceMode.TOOL_CHOICE_NAMED, toolChoiceName: 'nope' })
  await messages.write(bad)
  expect(await readEvent(messages)).toMatchObject({ type: 'error', code: 'MALFORMED_MESSAGE' })
  await expectHealthyVerifier()
})

test('malformed bytes get MALFORMED_MESSAGE, the stream is closed and the verifier carries on', async () => {
  const client = await relayedClient()
  for (const garbage of [new Uint8Array([0xff, 0xff, 0x01]), new Uint8Array(0), new TextEncoder().encode('GET / HTTP/1.1')]) {
    const stream = await rawChatStream(client)
    const messages = lpStream(stream)
    await messages.write(garbage)
    expect(await readEvent(messages)).toMatchObject({ type: 'error', code: 'MALFORMED_MESSAGE' })
    await expectClosedByVerifier(messages)
  }
  await expectHealthyVerifier()
  const { events } = await collect(chatWithVerifier(client, verifierId, { messages: conversation, maxTokens: 4 }))
  expect(events.at(-1)).toMatchObject({ type: 'done' })
})

test('an oversized request gets TOO_LARGE unread; the client refuses to send one', async () => {
  const client = await relayedClient()
  const stream = await rawChatStream(client)
  // Only the length prefix and a few bytes: the verifier must answer without reading the rest.
  stream.send(new Uint8Array([...varint(MAX_CHAT_REQUEST_BYTES + 1), 1, 2, 3]))
  const messages = lpStream(stream)
  expect(await readEvent(messages)).toMatchObject({ type: 'error', code: 'TOO_LARGE' })
  await expectClosedByVerifier(messages)

  const huge = [{ role: 'user' as const, content: 'x'.repeat(MAX_CHAT_REQUEST_BYTES) }]
  await expect(collect(chatWithVerifier(client, verifierId, { messages: huge }))).rejects.toMatchObject({ name: 'ChatError', code: 'TOO_LARGE' })
  await expectHealthyVerifier()
})

test('a request that never comes gets TIMEOUT after the deadline, then the stream closes', async () => {
  const client = await relayedClient()
  const opened = Date.now()
  const stream = await rawChatStream(client)
  const messages = lpStream(stream)
  expect(await readEvent(messages, 20_000)).toMatchObject({ type: 'error', code: 'TIMEOUT' })
  expect(Date.now() - opened).toBeGreaterThanOrEqual(9_000)
  await expectClosedByVerifier(messages)
})

test('a full queue answers BUSY with a retry-after', async () => {
  const [first, second, third] = [await relayedClient(), await relayedClient(), await relayedClient()]
  const controller = new AbortController()
  const longChat = async (client: Libp2p, onEvent: (event: ChatStreamEvent) => void): Promise<void> => {
    try {
      for await (const event of chatWithVerifier(client, verifierId, { messages: conversation, maxTokens: 4096 }, { signal: controller.signal })) {
        onEvent(event)
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') {
        throw err
      }
    }
  }
  let running = false
  let queued = false
  const chats = [longChat(first, (event) => { running ||= event.type === 'delta' })]
  await waitFor('the first chat to run', () => running ? true : undefined)
  chats.push(longChat(second, (event) => { queued ||= event.type === 'queued' }))
  await waitFor('the second chat to queue', () => queued ? true : undefined)
  try {
    await expect(collect(chatWithVerifier(third, verifierId, { messages: conversation, maxTokens: 8 }))).rejects.toMatchObject({ name: 'ChatError', code: 'BUSY', retryAfterSeconds: expect.any(Number) })
  } finally {
    controller.abort()
    await Promise.all(chats)
  }
  await expectHealthyVerifier()
})

test('over direct WebRTC, as a page chats once upgraded', async () => {
  const health = GpuNodeHealth.parse(await (await fetch(`${verifier.url}/health`)).json())
  const address = health.addresses.find((candidate) => candidate.includes('/p2p-circuit/webrtc/'))
  expect(address).toBeDefined()
  const client = await createShoalNode({
    privateKey: await generateKeyPair('Ed25519'),
    transports: [webSockets(), circuitRelayTransport(), webRTC({ rtcConfiguration: { iceServers: [] } })],
    listen: ['/p2p-circuit', '/webrtc'],
    connectionGater: { denyDialMultiaddr: () => false }
  })
  clients.push(client)
  await client.start()
  // As the page does (src/lib/mesh/direct-dialer.ts): a WebRTC dial sometimes fails on a
  // fast link; retry after closing what the failed attempt left behind.
  const connection = await waitFor('a direct WebRTC connection', async () => {
    try {
      return await client.dial(multiaddr(address ?? ''), { signal: AbortSignal.timeout(10_000), force: true })
    } catch (err) {
      await Promise.all(client.getConnections(verifierId).filter((stale) => stale.limits == null).map(async (stale) => { await stale.close() }))
      throw err
    }
  }, 40_000)
  expect(connection.limits).toBeUndefined()
  expect(client.getConnections(verifierId).filter((open) => open.limits == null)).toHaveLength(1)
  const maxTokens = 32
  const { text } = await collect(chatWithVerifier(client, verifierId, { messages: conversation, maxTokens }))
  expect(text).toBe((await referenceGreedyCompletion(modelPath, conversation, maxTokens)).text)
})

test.describe('in this process, on the real verifier', () => {
  /** A verifier that serves one chat at a time and one per peer; a WebSocket server node in front of it. */
  async function serve (options: { heartbeatMs?: number, streamIntervalMs?: number } = {}): Promise<{ client: Libp2p, server: Libp2p, chats: ChatProtocol, dispose: () => Promise<void> }> {
    const llama = await createLlamaVerifier({ modelPath, threads: 2, capacity: 1, queueSize: 4, perClientMaxConcurrent: 1, perClientMaxTokens: 4096, demo: true, modelName: 'shoal-demo', streamIntervalMs: options.streamIntervalMs })
    const server = await createShoalNode({ privateKey: await generateKeyPair('Ed25519'), transports: [webSockets()], listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
    await server.start()
    const log = { info: () => {}, warn: (message: string) => { warnings.push(message) }, error: (message: string) => { warnings.push(message) } }
    const chats = createChatProtocol({ heartbeatMs: options.heartbeatMs })({ node: server, verifier: llama, log })
    await chats.start()
    const client = await createShoalNode({ privateKey: await generateKeyPair('Ed25519'), transports: [webSockets()], connectionGater: { denyDialMultiaddr: () => false } })
    clients.push(client)
    await client.start()
    await client.dial(server.getMultiaddrs()[0] ?? multiaddr(''))
    return {
      client,
      server,
      chats,
      dispose: async () => {
        await chats.stop()
        await server.stop()
        await llama.dispose()
      }
    }
  }
  const warnings: string[] = []

  test('a peer over its limit gets LIMIT; shutting down ends a chat in flight with CANCELLED', async () => {
    const { client, server, chats, dispose } = await serve()
    try {
      let running = false
      const inFlight = (async () => {
        for await (const event of chatWithVerifier(client, server.peerId, { messages: conversation, maxTokens: 4096 })) {
          running ||= event.type === 'delta'
        }
      })()
      inFlight.catch(() => {})
      await waitFor('the first chat to run', () => running ? true : undefined)
      await expect(collect(chatWithVerifier(client, server.peerId, { messages: conversation, maxTokens: 8 }))).rejects.toMatchObject({ name: 'ChatError', code: 'LIMIT' })
      await chats.stop()
      await expect(inFlight).rejects.toMatchObject({ name: 'ChatError', code: 'CANCELLED' })
      expect(chats.stats.errors).toMatchObject({ LIMIT: 1, CANCELLED: 1 })
    } finally {
      await dispose()
    }
    expect(warnings).toEqual([])
  })

  test('heartbeats while a chat waits or works leave the answer intact', async () => {
    const { client, server, dispose } = await serve({ heartbeatMs: 1 })
    try {
      const maxTokens = 24
      const { events, text } = await collect(chatWithVerifier(client, server.peerId, { messages: conversation, maxTokens }))
      expect(text).toBe((await referenceGreedyCompletion(modelPath, conversation, maxTokens)).text)
      expect(events.filter((event) => event.type === 'started')).toHaveLength(1)
      expect(events.filter((event) => event.type === 'done')).toHaveLength(1)
      expect(events.at(-1)?.type).toBe('done')
    } finally {
      await dispose()
    }
  })

  test('text made within the stream interval travels in one delta: the first text at once, the rest before done', async () => {
    const maxTokens = 32
    const reference = (await referenceGreedyCompletion(modelPath, conversation, maxTokens)).text
    for (const streamIntervalMs of [60_000, 0]) {
      const { client, server, dispose } = await serve({ streamIntervalMs })
      try {
        const { events, text } = await collect(chatWithVerifier(client, server.peerId, { messages: conversation, maxTokens }))
        expect(text).toBe(reference)
        const deltas = events.filter((event) => event.type === 'delta')
        if (streamIntervalMs > 0) {
          expect(deltas, 'the first text, then the rest').toHaveLength(2)
        } else {
          // Every token's text on its own, unless the reader falls behind.
          expect(deltas.length).toBeGreaterThan(2)
        }
        expect(events.at(-1)?.type).toBe('done')
      } finally {
        await dispose()
      }
    }
  })

  test('a request still being put together is sent once ready, over a stream opened meanwhile', async () => {
    const { client, server, chats, dispose } = await serve()
    try {
      const maxTokens = 16
      let ready: (request: ChatRequestInit) => void = () => {}
      const later = new Promise<ChatRequestInit>((resolve) => { ready = resolve })
      const answer = collect(chatWithVerifier(client, server.peerId, later))
      await waitFor('the chat stream to open before the request is ready', () => chats.stats.open === 1 ? true : undefined)
      ready({ messages: conversation, maxTokens, temperature: 0 })
      expect((await answer).text).toBe((await referenceGreedyCompletion(modelPath, conversation, maxTokens)).text)

      // One that fails to come together ends the chat with its own error; the opened stream is let go.
      const broken = Promise.reject(new Error('the receipts could not be read'))
      await expect(collect(chatWithVerifier(client, server.peerId, broken))).rejects.toThrow('the receipts could not be read')
      await waitFor('the abandoned stream to close', () => chats.stats.open === 0 ? true : undefined)
      expect(chats.stats.completed).toBe(1)
    } finally {
      await dispose()
    }
  })

  test('a malformed control message mid-answer ends the chat with MALFORMED_MESSAGE', async () => {
    const { client, server, chats, dispose } = await serve()
    try {
      const [connection] = client.getConnections(server.peerId)
      if (connection === undefined) {
        throw new Error('not connected')
      }
      const stream = await connection.newStream(CHAT_PROTOCOL, { signal: AbortSignal.timeout(5_000) })
      const messages = lpStream(stream)
      await messages.write(encodeChatRequest({ requestId: 'bad-control', messages: conversation, maxTokens: 4096, temperature: 0, topP: 1, stop: [], privacy: 'verifier-only' }))
      await waitFor('a delta', async () => (await readEvent(messages)).type === 'delta' ? true : undefined)
      await messages.write(new Uint8Array([0xff]))
      const last = await waitFor('the error', async () => {
        const event = await readEvent(messages)
        return event.type === 'error' ? event : undefined
      })
      expect(last).toMatchObject({ code: 'MALFORMED_MESSAGE' })
      await expectClosedByVerifier(messages)
      await stream.close()
      expect(chats.stats.errors).toMatchObject({ MALFORMED_MESSAGE: 1 })
      // The slot is free again.
      const { events } = await collect(chatWithVerifier(client, server.peerId, { messages: conversation, maxTokens: 4 }))
      expect(events.at(-1)).toMatchObject({ type: 'done' })
    } finally {
      await dispose()
    }
  })
})
