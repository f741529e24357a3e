import {
  PeerRole,
  decodeAnnouncement,
  decodeChatControl,
  decodeChatEvent,
  decodeChatRequest,
  decodeDraftToDrafter,
  decodeDraftToVerifier,
  decodeHttpTunnelFrame,
  decodeHttpTunnelRequestHead,
  decodeHttpTunnelResponseHead,
  encodeAnnouncement,
  encodeChatControl,
  encodeChatEvent,
  encodeChatRequest,
  encodeDraftToDrafter,
  encodeDraftToVerifier,
  encodeHttpTunnelData,
  encodeHttpTunnelEnd,
  encodeHttpTunnelHead
} from '#protocol'
import type { ChatServerEvent, DraftToDrafterMessage, DraftToVerifierMessage, ValidChatRequest } from '#protocol'
import { bytesFrom } from '../byte-inputs.ts'
import { fuzzTarget } from '../fuzz-target.ts'

/** Every protocol decoder refuses with one of these (see protocol/errors.ts). */
const PROTOCOL_REFUSALS = ['MalformedMessageError', 'MessageTooLargeError', 'StaleMessageError']

/** Announcements are judged against a clock; a fixed one keeps runs reproducible. */
const NOW = 1_800_000_000_000

const announcements = [
  encodeAnnouncement({ role: PeerRole.VERIFIER, agent: 'shoal/0.1.0', model: 'shoal-stories-target', tokenizerFingerprint: `sha256:${'ab'.repeat(32)}`, queueDepth: 2, capacity: 4, addresses: ['/ip4/203.0.113.7/tcp/4001/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'] }, NOW),
  encodeAnnouncement({ role: PeerRole.BROWSER, agent: 'shoal-web/0.1.0', drafting: true, model: 'shoal-stories-draft' }, NOW),
  encodeAnnouncement({ role: PeerRole.RELAY, agent: 'shoal-relay/0.1.0' }, NOW)
]

const chatRequests: ValidChatRequest[] = [
  {
    requestId: 'req-1',
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello, wörld 👋' }, { role: 'assistant', content: 'Hi.' }, { role: 'user', content: 'A story?' }],
    maxTokens: 64,
    temperature: 0.7,
    topP: 0.9,
    seed: 42,
    stop: ['\n\n', 'User:'],
    privacy: 'drafters-allowed'
  },
  { requestId: 'x', messages: [{ role: 'user', content: 'hi' }], maxTokens: 1, temperature: 0, topP: 1, stop: [], privacy: 'verifier-only' },
  {
    requestId: 'agent',
    messages: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Oslo"}' }] }, { role: 'tool', content: '-3', toolCallId: 'c1' }],
    maxTokens: 8,
    temperature: 0,
    topP: 1,
    stop: [],
    privacy: 'verifier-only',
    responseFormat: { type: 'json_schema', schema: { type: 'object', properties: { ok: { type: 'boolean' } } } },
    tools: [{ name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
    toolChoice: { name: 'get_weather' }
  },
  { requestId: 'biased', messages: [{ role: 'user', content: 'Weather?' }], maxTokens: 8, temperature: 0, topP: 1, stop: [], privacy: 'verifier-only', tools: [{ name: 'f' }], toolChoice: 'auto', logitBias: [{ token: 124, bias: 100 }, { token: 3, bias: -2.5 }] }
]

const chatEvents: ChatServerEvent[] = [
  { type: 'queued', position: 3, etaMs: 1500, tier: 'contributor' },
  { type: 'started', model: 'shoal-stories-target', tokenizerFingerprint: 'sha256:abc', contextLength: 2048, demo: true, agent: 'shoal/0.1.0' },
  { type: 'delta', text: 'Once upon a time 👋' },
  { type: 'done', finishReason: 'stop', usage: { promptTokens: 12, completionTokens: 3 }, timings: { queuedMs: 0, firstTokenMs: 4, totalMs: 9 } },
  { type: 'error', code: 'BUSY', message: 'busy', retryAfterSeconds: 7 }
]

const toDrafter: DraftToDrafterMessage[] = [
  { type: 'welcome', maxBatchTokens: 16 },
  { type: 'refusal', code: 'TOKENIZER_MISMATCH', message: 'no' },
  { type: 'open', jobId: 7, context: [1, 2, 300, 2047], lookahead: 8 },
  { type: 'verdict', jobId: 7, position: 3, accepted: 2, tokens: [4, 5, 6], lookahead: 10 },
  { type: 'close', jobId: 7, reason: 'NOT_PAYING' },
  { type: 'receipt', receipt: { body: new Uint8Array([8, 1, 18, 3, 97, 98, 99]), signature: new Uint8Array(64).fill(9) } }
]

const toVerifier: DraftToVerifierMessage[] = [
  { type: 'hello', model: 'shoal-stories-draft', tokenizerFingerprint: 'sha256:ab', maxJobs: 2 },
  { type: 'hello', model: 'shoal-stories-draft', tokenizerFingerprint: 'sha256:ab', maxJobs: 2, receipts: { newest: 20, missing: [3, 19] } },
  { type: 'batch', jobId: 7, epoch: 1, position: 3, tokens: [4, 5, 6, 7], probabilities: [0.5, 0.25, 0.9, 1] },
  { type: 'failed', jobId: 7, message: 'too long' }
]

const tunnelRequestHeads = [
  encodeHttpTunnelHead({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: 'Bearer k', 'x-shoal-stream-tokens': '1' }, client: '203.0.113.9' }),
  encodeHttpTunnelHead({ method: 'GET', path: '/api/tags?x=1', headers: {}, client: '::1' })
]

const tunnelResponseHeads = [
  encodeHttpTunnelHead({ status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' } }),
  encodeHttpTunnelHead({ status: 503, headers: { 'content-type': 'application/json', 'retry-after': '3' } })
]

export const protocolTargets = [
  fuzzTarget({
    name: 'announcement',
    reads: 'gossip announcements (relay, verifiers, pages: protocol/announcement.ts)',
    inputs: bytesFrom(announcements),
    read: (bytes) => decodeAnnouncement(bytes, NOW),
    refusals: PROTOCOL_REFUSALS
  }),
  fuzzTarget({
    name: 'chat-request',
    reads: 'chat requests a verifier reads from pages (/shoal/chat)',
    inputs: bytesFrom(chatRequests.map(encodeChatRequest)),
    read: decodeChatRequest,
    refusals: PROTOCOL_REFUSALS
  }),
  fuzzTarget({
    name: 'chat-control',
    reads: 'cancel messages a verifier reads mid-answer (/shoal/chat)',
    inputs: bytesFrom([encodeChatControl({ cancel: true }), encodeChatControl({ cancel: false })]),
    read: decodeChatControl,
    refusals: PROTOCOL_REFUSALS
  }),
  fuzzTarget({
    name: 'chat-event',
    reads: 'answer events a page reads from a verifier (/shoal/chat)',
    inputs: bytesFrom(chatEvents.map(encodeChatEvent)),
    read: decodeChatEvent,
    refusals: PROTOCOL_REFUSALS
  }),
  fuzzTarget({
    name: 'draft-to-drafter',
    reads: 'draft jobs and verdicts a contributing tab reads from a verifier (/shoal/draft)',
    inputs: bytesFrom(toDrafter.map(encodeDraftToDrafter)),
    read: decodeDraftToDrafter,
    refusals: PROTOCOL_REFUSALS
  }),
  fuzzTarget({
    name: 'http-tunnel-request-head',
    reads: 'HTTP request heads a verifier reads from a relay\'s gateway (/shoal/http)',
    inputs: bytesFrom(tunnelRequestHeads),
    read: decodeHttpTunnelRequestHead,
    refusals: PROTOCOL_REFUSALS
  }),
  fuzzTarget({
    name: 'http-tunnel-response-head',
    reads: 'HTTP response heads a relay\'s gateway reads from a verifier (/shoal/http)',
    inputs: bytesFrom(tunnelResponseHeads),
    read: decodeHttpTunnelResponseHead,
    refusals: PROTOCOL_REFUSALS
  }),
  fuzzTarget({
    name: 'http-tunnel-frame',
    reads: 'HTTP body frames both ends of /shoal/http read',
    inputs: bytesFrom([encodeHttpTunnelData(new TextEncoder().encode('data: {"x":1}\n\n')), encodeHttpTunnelEnd()]),
    read: decodeHttpTunnelFrame,
    refusals: PROTOCOL_REFUSALS
  }),
  fuzzTarget({
    name: 'draft-to-verifier',
    reads: 'draft batches a verifier reads from contributing tabs (/shoal/draft)',
    inputs: bytesFrom(toVerifier.map(encodeDraftToVerifier)),
    read: decodeDraftToVerifier,
    refusals: PROTOCOL_REFUSALS
  })
]
