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
