import { expect, test } from '@playwright/test'
import { Announcement, PeerRole, decodeAnnouncement, encodeAnnouncement } from './announcement.ts'
import { ANNOUNCEMENT_MAX_AGE_MS, MAX_ANNOUNCED_ADDRESSES, MAX_ANNOUNCED_CONTEXT_LENGTH, MAX_ANNOUNCED_WARM_PREFIXES, MAX_ANNOUNCEMENT_BYTES } from './limits.ts'

const NOW = 1_780_000_000_000

test('an announcement survives an encode/decode round trip', () => {
  const bytes = encodeAnnouncement({
    role: PeerRole.VERIFIER,
    agent: 'shoal/0.1.0',
    model: 'shoal-demo',
    tokenizerFingerprint: 'sha256:abc',
    queueDepth: 3,
    capacity: 4,
    addresses: ['/ip4/127.0.0.1/tcp/8080/ws/p2p/12D3KooWRelay/p2p-circuit/webrtc/p2p/12D3KooWSelf'],
    drafting: true,
    contextLength: 2048,
    warmPrefixes: ['0123456789abcdef'],
    running: 2,
    queueSize: 32
  }, NOW)
  expect(decodeAnnouncement(bytes, NOW)).toEqual({
    role: PeerRole.VERIFIER,
    agent: 'shoal/0.1.0',
    model: 'shoal-demo',
    tokenizerFingerprint: 'sha256:abc',
    queueDepth: 3,
    capacity: 4,
    addresses: ['/ip4/127.0.0.1/tcp/8080/ws/p2p/12D3KooWRelay/p2p-circuit/webrtc/p2p/12D3KooWSelf'],
    drafting: true,
    contextLength: 2048,
    warmPrefixes: ['0123456789abcdef'],
    running: 2,
    queueSize: 32,
    sentAtMs: BigInt(NOW)
  })
})

test('warm prefixes are bounded in number and must be short lowercase hashes', () => {
  const verifier = { role: PeerRole.VERIFIER, agent: 'shoal/0.1.0' }
  const malformed = expect.objectContaining({ name: 'MalformedMessageError' })
  expect(() => encodeAnnouncement({ ...verifier, warmPrefixes: Array.from({ length: MAX_ANNOUNCED_WARM_PREFIXES + 1 }, () => '0123456789abcdef') }, NOW)).toThrow(malformed)
  expect(() => encodeAnnouncement({ ...verifier, warmPrefixes: ['a conversation'] }, NOW)).toThrow(malformed)
  expect(() => encodeAnnouncement({ ...verifier, warmPrefixes: ['0123456789ABCDEF'] }, NOW)).toThrow(malformed)
  expect(() => encodeAnnouncement({ ...verifier, running: 2_000_000 }, NOW)).toThrow(malformed)
  const tooMany = Announcement.encode({ role: PeerRole.VERIFIER, agent: 'x', model: '', tokenizerFingerprint: '', queueDepth: 0, capacity: 1, addresses: [], sentAtMs: BigInt(NOW), warmPrefixes: Array.from({ length: MAX_ANNOUNCED_WARM_PREFIXES + 1 }, () => '0123456789abcdef') })
  expect(() => decodeAnnouncement(tooMany, NOW)).toThrow(malformed)
})

test('bytes that are not an announcement are rejected as malformed', () => {
  expect(() => decodeAnnouncement(new Uint8Array([0xff, 0xff, 0xff, 0xff]), NOW)).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
})

test('an announcement without a role or agent is rejected', () => {
  const noRole = Announcement.encode({ role: PeerRole.ROLE_UNSPECIFIED, agent: 'x', model: '', tokenizerFingerprint: '', queueDepth: 0, capacity: 0, addresses: [], sentAtMs: BigInt(NOW) })
  expect(() => decodeAnnouncement(noRole, NOW)).toThrow(expect.objectContaining({ name: 'MalformedMessageError', message: expect.stringContaining('role') }))
  const noAgent = Announcement.encode({ role: PeerRole.BROWSER, agent: '', model: '', tokenizerFingerprint: '', queueDepth: 0, capacity: 0, addresses: [], sentAtMs: BigInt(NOW) })
  expect(() => decodeAnnouncement(noAgent, NOW)).toThrow(expect.objectContaining({ name: 'MalformedMessageError', message: expect.stringContaining('agent') }))
})

test('oversized announcements and too many addresses are rejected', () => {
  expect(() => decodeAnnouncement(new Uint8Array(MAX_ANNOUNCEMENT_BYTES + 1), NOW)).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
  const addresses = Array.from({ length: MAX_ANNOUNCED_ADDRESSES + 1 }, (_, index) => `/ip4/10.0.0.${index}/tcp/1`)
  const tooMany = Announcement.encode({ role: PeerRole.BROWSER, agent: 'a', model: '', tokenizerFingerprint: '', queueDepth: 0, capacity: 0, addresses, sentAtMs: BigInt(NOW) })
  expect(() => decodeAnnouncement(tooMany, NOW)).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
  expect(() => encodeAnnouncement({ role: PeerRole.BROWSER, agent: 'a', addresses: ['not-a-multiaddr'] }, NOW)).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
})

test('an announcement from before the context length was announced reads as 0 (unknown); an implausible one is rejected', () => {
  const older = Announcement.encode({ role: PeerRole.VERIFIER, agent: 'shoal/0.1.0', model: 'm', tokenizerFingerprint: '', queueDepth: 0, capacity: 1, addresses: [], sentAtMs: BigInt(NOW) })
  expect(decodeAnnouncement(older, NOW).contextLength).toBe(0)
  const huge = Announcement.encode({ role: PeerRole.VERIFIER, agent: 'shoal/0.1.0', model: 'm', tokenizerFingerprint: '', queueDepth: 0, capacity: 1, addresses: [], sentAtMs: BigInt(NOW), contextLength: MAX_ANNOUNCED_CONTEXT_LENGTH + 1 })
  expect(() => decodeAnnouncement(huge, NOW)).toThrow(expect.objectContaining({ name: 'MalformedMessageError', message: expect.stringContaining('context length') }))
})

test('stale and future-dated announcements are refused as stale', () => {
  const old = encodeAnnouncement({ role: PeerRole.BROWSER, agent: 'a' }, NOW - ANNOUNCEMENT_MAX_AGE_MS - 1)
  expect(() => decodeAnnouncement(old, NOW)).toThrow(expect.objectContaining({ name: 'StaleMessageError' }))
  const future = encodeAnnouncement({ role: PeerRole.BROWSER, agent: 'a' }, NOW + 3_600_000)
  expect(() => decodeAnnouncement(future, NOW)).toThrow(expect.objectContaining({ name: 'StaleMessageError' }))
})
