import { expect, test } from '@playwright/test'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection } from '@libp2p/interface'
import { PeerRole } from '#protocol'
import { hasDraftableVerifier, pickDraftTarget, waitForDraftTarget } from './draft-target.ts'
import type { DraftingMesh } from './draft-target.ts'

const VERIFIER = '12D3KooWGRjm6nYx5YsMC1ZGQzsbVGnPxrW1j5ZUi2WdgwYTHh5y'
const FINGERPRINT = 'sha256:tokenizer'

/** A mesh as the page's MeshNode shows it: peers and connections, a `peers` event whenever they change. */
class TestMesh extends EventTarget implements DraftingMesh {
  peers: DraftingMesh['peers'] = []
  connections: Connection[] = []
  readonly node = { getConnections: (): Connection[] => this.connections }

  /** A verifier with this tokenizer, reached over direct WebRTC. */
  verifierConnects (): void {
    // The fields the mesh reads of a libp2p connection.
    this.connections = [{ remotePeer: peerIdFromString(VERIFIER), remoteAddr: multiaddr(`/ip4/10.0.0.2/udp/9/webrtc/p2p/${VERIFIER}`), limits: undefined, status: 'open' } as unknown as Connection]
    this.peers = [{ peerId: VERIFIER, role: PeerRole.VERIFIER, tokenizerFingerprint: FINGERPRINT, connection: 'webrtc' }]
    this.dispatchEvent(new Event('peers'))
  }
}

test('a contributing tab finds its verifier on the mesh\'s peer event, not on a timer', async () => {
  const mesh = new TestMesh()
  expect(pickDraftTarget(mesh, FINGERPRINT, new Set())).toBeUndefined()
  const waiting = waitForDraftTarget(mesh, FINGERPRINT, new Set(), { signal: new AbortController().signal })
  mesh.verifierConnects()
  // Settled before any timer could have run: the event, not a poll, answered it.
  const first = await Promise.race([waiting, new Promise((resolve) => { setTimeout(() => { resolve('a timer ran first') }, 0) })])
  expect(first).toMatchObject({ peerId: VERIFIER })
})

test('verifiers with another tokenizer, refused ones and relayed ones are no target; stopping ends the wait', async () => {
  const mesh = new TestMesh()
  mesh.verifierConnects()
  expect(pickDraftTarget(mesh, 'sha256:other', new Set())).toBeUndefined()
  expect(pickDraftTarget(mesh, FINGERPRINT, new Set([VERIFIER]))).toBeUndefined()
  mesh.peers = [{ ...mesh.peers[0]!, connection: 'relayed' }]
  expect(pickDraftTarget(mesh, FINGERPRINT, new Set())).toBeUndefined()
  const stop = new AbortController()
  const waiting = waitForDraftTarget(mesh, FINGERPRINT, new Set(), { signal: stop.signal })
  stop.abort()
  expect(await waiting).toBeUndefined()
})

test('a relayed verifier with this tokenizer is heard of (so a missing direct connection can be reported), others are not', () => {
  const mesh = new TestMesh()
  expect(hasDraftableVerifier(mesh, FINGERPRINT, new Set())).toBe(false)
  mesh.verifierConnects()
  mesh.peers = [{ ...mesh.peers[0]!, connection: 'relayed' }]
  expect(hasDraftableVerifier(mesh, FINGERPRINT, new Set())).toBe(true)
  expect(pickDraftTarget(mesh, FINGERPRINT, new Set())).toBeUndefined()
  expect(hasDraftableVerifier(mesh, 'sha256:other', new Set())).toBe(false)
  expect(hasDraftableVerifier(mesh, FINGERPRINT, new Set([VERIFIER]))).toBe(false)
  mesh.peers = [{ ...mesh.peers[0]!, role: PeerRole.BROWSER }]
  expect(hasDraftableVerifier(mesh, FINGERPRINT, new Set())).toBe(false)
})
