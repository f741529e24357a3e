import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipsubOpts, Message, TopicValidatorFn } from '@libp2p/gossipsub'
import { decodeAnnouncement } from './announcement.ts'
import { ANNOUNCE_TOPIC } from './ids.ts'

/**
 * Gossipsub options every Shoal peer uses, so the mesh behaves the same from
 * any process. Pass extra options (e.g. `directPeers`) through `overrides`.
 */
export function gossipsubInit (overrides: Partial<GossipsubOpts> = {}): Partial<GossipsubOpts> {
  return {
    // A lone peer (first tab, verifier before anyone joins) must still be able to publish.
    allowPublishToZeroTopicPeers: true,
    // Senders must sign: an announcement's author is the message's `from`.
    globalSignaturePolicy: 'StrictSign',
    // Many browsers share one public IP (and, locally, 127.0.0.1): do not penalise that.
    scoreParams: { IPColocationFactorWeight: 0 },
    ...overrides
  }
}

/**
 * Rejects announcements that do not decode or are stale, before gossipsub
 * forwards them or hands them to the application. Rejected messages count
 * against the sender's gossip score.
 */
export const validateAnnouncementMessage: TopicValidatorFn = (_from, message: Message) => {
  if (message.type !== 'signed') {
    return TopicValidatorResult.Reject
  }
  try {
    decodeAnnouncement(message.data)
    return TopicValidatorResult.Accept
  } catch (err) {
    // Stale but well-formed gossip is not an attack: drop it without penalty.
    return (err as Error).name === 'StaleMessageError' ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject
  }
}

/** Topic validators to install on a peer's gossipsub service. */
export function installTopicValidators (pubsub: { topicValidators: Map<string, TopicValidatorFn> }): void {
  pubsub.topicValidators.set(ANNOUNCE_TOPIC, validateAnnouncementMessage)
}
