import { expect, test } from '@playwright/test'
import { PeerRole } from '#protocol'
import type { Announcement } from '#protocol'
import { PeerTable, shouldDial, webRTCDialAddresses } from './peer-table.ts'

function announcement (role: PeerRole, addresses: string[] = []): Announcement {
  return { role, agent: 'shoal/0.1.0', model: 'm', tokenizerFingerprint: 'f', queueDepth: 1, capacity: 4, addresses, sentAtMs: 0n, drafting: false, contextLength: 2048, warmPrefixes: [], running: 0, queueSize: 0 }
}

test('the peer table records peers and forgets silent ones', () => {
  const table = new PeerTable(1_000)
  expect(table.update('a', announcement(PeerRole.VERIFIER), 0)).toBe(true)
  expect(table.update('a', announcement(PeerRole.VERIFIER), 500)).toBe(false)
  table.update('b', announcement(PeerRole.BROWSER), 0)
  expect(table.expire(1_200)).toEqual(['b'])
  expect(table.list().map((peer) => peer.peerId)).toEqual(['a'])
  expect(table.get('a')?.lastSeenMs).toBe(500)
})

test('pages dial verifiers, and the lower peer id dials between pages', () => {
  expect(shouldDial('m', { peerId: 'z', role: PeerRole.VERIFIER })).toBe(true)
  expect(shouldDial('z', { peerId: 'a', role: PeerRole.VERIFIER })).toBe(true)
  expect(shouldDial('a', { peerId: 'b', role: PeerRole.BROWSER })).toBe(true)
  expect(shouldDial('b', { peerId: 'a', role: PeerRole.BROWSER })).toBe(false)
  expect(shouldDial('a', { peerId: 'a', role: PeerRole.BROWSER })).toBe(false)
  expect(shouldDial('a', { peerId: 'b', role: PeerRole.RELAY })).toBe(false)
})

test('only relayed WebRTC addresses of the peer itself are dialled', () => {
  const peer = {
    peerId: 'Peer',
    addresses: [
      '/ip4/127.0.0.1/tcp/8080/ws/p2p/Relay/p2p-circuit/webrtc/p2p/Peer',
      '/ip4/127.0.0.1/tcp/8080/ws/p2p/Relay/p2p-circuit/p2p/Peer',
      '/ip4/127.0.0.1/tcp/8080/ws/p2p/Relay/p2p-circuit/webrtc/p2p/Someone'
    ]
  }
  expect(webRTCDialAddresses(peer)).toEqual(['/ip4/127.0.0.1/tcp/8080/ws/p2p/Relay/p2p-circuit/webrtc/p2p/Peer'])
})
