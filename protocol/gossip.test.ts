import { generateKeyPair } from '@libp2p/crypto/keys'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { Message } from '@libp2p/gossipsub'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { expect, test } from '@playwright/test'
import { PeerRole, encodeAnnouncement } from './announcement.ts'
import { MAX_ANNOUNCEMENTS_PER_WINDOW } from './announcement-rate.ts'
import { createAnnouncementValidator, validateAnnouncementMessage } from './gossip.ts'
import { ANNOUNCE_TOPIC } from './ids.ts'

async function signedMessage (data: Uint8Array): Promise<Extract<Message, { type: 'signed' }>> {
  const key = await generateKeyPair('Ed25519')
  return { type: 'signed', from: peerIdFromPrivateKey(key), data, sequenceNumber: 1n, topic: ANNOUNCE_TOPIC, signature: new Uint8Array(64), key: key.publicKey }
}

test('the topic validator accepts a valid announcement', async () => {
  const message = await signedMessage(encodeAnnouncement({ role: PeerRole.VERIFIER, agent: 'shoal/0.1.0' }))
  expect(await validateAnnouncementMessage(message.from, message)).toBe(TopicValidatorResult.Accept)
})

test('the topic validator rejects garbage and unsigned messages, and ignores stale ones', async () => {
  const garbage = await signedMessage(new Uint8Array([1, 2, 3, 4, 5]))
  expect(await validateAnnouncementMessage(garbage.from, garbage)).toBe(TopicValidatorResult.Reject)
  const stale = await signedMessage(encodeAnnouncement({ role: PeerRole.VERIFIER, agent: 'a' }, Date.now() - 3_600_000))
  expect(await validateAnnouncementMessage(stale.from, stale)).toBe(TopicValidatorResult.Ignore)
  const unsigned: Message = { type: 'unsigned', data: encodeAnnouncement({ role: PeerRole.VERIFIER, agent: 'a' }), topic: ANNOUNCE_TOPIC }
  expect(await validateAnnouncementMessage(garbage.from, unsigned)).toBe(TopicValidatorResult.Reject)
})

test('past its budget an author\'s own messages are rejected, and the same messages passed on by another peer only dropped', async () => {
  const message = await signedMessage(encodeAnnouncement({ role: PeerRole.BROWSER, agent: 'a' }))
  const relay = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const rejected: string[] = []
  const direct = createAnnouncementValidator({ onReject: (peer, reason) => { rejected.push(`${peer.toString()} ${reason}`) } })
  const forwarded = createAnnouncementValidator()
  for (let index = 0; index < MAX_ANNOUNCEMENTS_PER_WINDOW; index++) {
    expect(await direct(message.from, message)).toBe(TopicValidatorResult.Accept)
    expect(await forwarded(relay, message)).toBe(TopicValidatorResult.Accept)
  }
  expect(await direct(message.from, message)).toBe(TopicValidatorResult.Reject)
  expect(await forwarded(relay, message)).toBe(TopicValidatorResult.Ignore)
  expect(rejected).toEqual([`${message.from.toString()} flood`])
  const garbage = await signedMessage(new Uint8Array([9, 9, 9]))
  expect(await direct(relay, garbage)).toBe(TopicValidatorResult.Reject)
  expect(rejected.at(-1)).toBe(`${relay.toString()} malformed`)
})
