import { expect, test } from '@playwright/test'
import { PeerRole } from '#protocol'
import { pickVerifier } from './pick-verifier.ts'
import type { VerifierCandidate } from './pick-verifier.ts'

function peer (peerId: string, overrides: Partial<VerifierCandidate> = {}): VerifierCandidate {
  return { peerId, role: PeerRole.VERIFIER, queueDepth: 0, capacity: 4, connection: 'webrtc', ...overrides }
}

test('only verifiers with capacity, and not excluded, are picked', () => {
  expect(pickVerifier([])).toBeUndefined()
  expect(pickVerifier([peer('page', { role: PeerRole.BROWSER }), peer('relay', { role: PeerRole.RELAY })])).toBeUndefined()
  expect(pickVerifier([peer('empty', { capacity: 0 })])).toBeUndefined()
  expect(pickVerifier([peer('a'), peer('b')], ['a'])?.peerId).toBe('b')
  expect(pickVerifier([peer('a')], ['a'])).toBeUndefined()
})

test('a direct connection beats a relayed one, which beats none', () => {
  const peers = [peer('none', { connection: 'none' }), peer('relayed', { connection: 'relayed' }), peer('direct')]
  expect(pickVerifier(peers)?.peerId).toBe('direct')
  expect(pickVerifier(peers, ['direct'])?.peerId).toBe('relayed')
  expect(pickVerifier(peers, ['direct', 'relayed'])?.peerId).toBe('none')
})

test('an empty queue beats a better connection; then lower load, then round trip', () => {
  expect(pickVerifier([peer('queued-direct', { queueDepth: 2 }), peer('idle-relayed', { connection: 'relayed' })])?.peerId).toBe('idle-relayed')
  expect(pickVerifier([peer('busy', { queueDepth: 4, capacity: 4 }), peer('less-busy', { queueDepth: 4, capacity: 8 })])?.peerId).toBe('less-busy')
  expect(pickVerifier([peer('far', { rttMs: 40 }), peer('unknown'), peer('near', { rttMs: 3 })])?.peerId).toBe('near')
})

test('it returns the caller\'s own peer object', () => {
  const peers = [{ ...peer('a'), extra: 1 }]
  expect(pickVerifier(peers)).toBe(peers[0])
})

test('a verifier that announced its queue full is never picked', () => {
  expect(pickVerifier([peer('full', { queueDepth: 8, queueSize: 8 }), peer('queued', { queueDepth: 3, queueSize: 8 })])?.peerId).toBe('queued')
  expect(pickVerifier([peer('full', { queueDepth: 8, queueSize: 8 })])).toBeUndefined()
  // A queue size of 0 is "not announced", not "no room".
  expect(pickVerifier([peer('unknown', { queueDepth: 8, queueSize: 0 })])?.peerId).toBe('unknown')
})

test('running requests count: a verifier with a free sequence beats one whose sequences are all busy', () => {
  expect(pickVerifier([peer('all-busy', { running: 4, capacity: 4 }), peer('one-free', { running: 3, capacity: 4, connection: 'relayed' })])?.peerId).toBe('one-free')
  expect(pickVerifier([peer('half', { running: 2 }), peer('quarter', { running: 1 })])?.peerId).toBe('quarter')
})

test('the conversation\'s model first, while a verifier runs it; then any', () => {
  const peers = [peer('other-model', { model: 'llama' }), peer('same-model', { model: 'shoal-demo', running: 3, rttMs: 90 })]
  expect(pickVerifier(peers)?.peerId).toBe('other-model')
  expect(pickVerifier(peers, [], { model: 'shoal-demo' })?.peerId).toBe('same-model')
  expect(pickVerifier(peers, ['same-model'], { model: 'shoal-demo' })?.peerId).toBe('other-model')
})

test('the verifier holding the conversation warm is picked, unless it would queue the request', () => {
  const warm = peer('warm', { warmPrefixes: ['00000000000000aa', '0123456789abcdef'], running: 2, rttMs: 50 })
  const idle = peer('idle', { rttMs: 2 })
  expect(pickVerifier([idle, warm])?.peerId).toBe('idle')
  expect(pickVerifier([idle, warm], [], { warmPrefix: '0123456789abcdef' })?.peerId).toBe('warm')
  expect(pickVerifier([idle, warm], [], { warmPrefix: 'ffffffffffffffff' })?.peerId).toBe('idle')
  // Overloaded: every sequence busy, or a queue: the expected wait decides instead.
  expect(pickVerifier([idle, { ...warm, running: 4 }], [], { warmPrefix: '0123456789abcdef' })?.peerId).toBe('idle')
  expect(pickVerifier([idle, { ...warm, queueDepth: 1 }], [], { warmPrefix: '0123456789abcdef' })?.peerId).toBe('idle')
  // Warm on another model does not pull a conversation away from its own.
  expect(pickVerifier([idle, { ...warm, model: 'llama' }], [], { warmPrefix: '0123456789abcdef', model: 'shoal-demo' })?.peerId).toBe('warm')
})

test('the verifier that wrote the last answer counts as warm until it announces again', () => {
  // It announced while answering (running 1 of 1); the answer completed at 2,000; no announcement since.
  const answerer = peer('answerer', { capacity: 1, running: 1, lastSeenMs: 1_500, rttMs: 50 })
  const idle = peer('idle', { rttMs: 2, lastSeenMs: 1_900 })
  const hint = { warmPrefix: '0123456789abcdef', answeredBy: { peerId: 'answerer', atMs: 2_000 } }
  expect(pickVerifier([idle, answerer], [], hint)?.peerId).toBe('answerer')
  // It announced since, without the conversation's hash: its cache went to another answer.
  expect(pickVerifier([idle, { ...answerer, running: 0, lastSeenMs: 2_100 }], [], hint)?.peerId).toBe('idle')
  // Since then it took another answer, which fills it.
  expect(pickVerifier([idle, { ...answerer, lastSeenMs: 2_100 }], [], hint)?.peerId).toBe('idle')
  // Others wait there: the expected wait decides.
  expect(pickVerifier([idle, { ...answerer, queueDepth: 1 }], [], hint)?.peerId).toBe('idle')
})

test('with a random source, the better of two verifiers drawn at random: never the worst, and spread over the good ones', () => {
  const peers = [peer('a', { running: 1 }), peer('b', { running: 1 }), peer('c', { running: 1 }), peer('worst', { running: 4, queueDepth: 2 })]
  let state = 7
  // A small seeded generator, so the test is the same every run.
  const random = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
  const picked = new Map<string, number>()
  for (let draw = 0; draw < 400; draw++) {
    const choice = pickVerifier(peers, [], { random })?.peerId ?? 'none'
    picked.set(choice, (picked.get(choice) ?? 0) + 1)
  }
  expect(picked.has('worst')).toBe(false)
  expect(picked.has('none')).toBe(false)
  for (const name of ['a', 'b', 'c']) {
    expect(picked.get(name) ?? 0).toBeGreaterThan(60)
  }
  // Two candidates are compared outright; without a random source, the best of all.
  expect(pickVerifier([peer('x', { running: 2 }), peer('y', { running: 1 })], [], { random })?.peerId).toBe('y')
  expect(pickVerifier(peers)?.peerId).toBe('a')
})
