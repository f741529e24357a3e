import { TopicValidatorResult } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import type { GossipsubOpts, Message, TopicValidatorFn } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { decodeAnnouncement } from './announcement.ts'
import { AnnouncementRate } from './announcement-rate.ts'
import { ANNOUNCE_TOPIC } from './ids.ts'

/**
 * How the announce topic scores peers: only invalid messages count (a peer
 * that sends garbage or floods); being quiet is never penalised, since a page
 * announces only every few seconds. Three rejected messages put a peer under
 * gossipsub's graylist threshold (-80: 3² × -10), after which everything it
 * sends is ignored; the penalty halves in about a minute (0.99 per second).
 */
const ANNOUNCE_TOPIC_SCORE = createTopicScoreParams({
  topicWeight: 1,
  timeInMeshWeight: 0,
  firstMessageDeliveriesWeight: 0,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.99
})

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
    scoreParams: { IPColocationFactorWeight: 0, topics: { [ANNOUNCE_TOPIC]: ANNOUNCE_TOPIC_SCORE } },
    ...overrides
  }
}

/**
 * Rejects announcements that do not decode or are stale, before gossipsub
 * forwards them or hands them to the application. Rejected messages count
 * against the sender's gossip score.
 */
export function validateAnnouncementMessage (_from: PeerId, message: Message): TopicValidatorResult {
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

export interface AnnouncementValidatorInit {
  /** Counts each author's announcements; a fresh one per node. */
  rate?: AnnouncementRate
  /** Told of each message rejected, and the peer that sent it (a node may hang up on repeat offenders). */
  onReject?: (propagator: PeerId, reason: 'malformed' | 'flood') => void
}

/**
 * The announce topic's validator: {@link validateAnnouncementMessage}, then
 * each author's budget (MAX_ANNOUNCEMENTS_PER_WINDOW). Past it, a message is
 * rejected, penalising the sender, when the author sent it to us directly;
 * a message merely passed on by a peer (a relay) is dropped without penalty,
 * since that peer's window for the author may have started at another time.
 */
export function createAnnouncementValidator (init: AnnouncementValidatorInit = {}): TopicValidatorFn {
  const rate = init.rate ?? new AnnouncementRate()
  return (propagator, message) => {
    const result = validateAnnouncementMessage(propagator, message)
    if (result === TopicValidatorResult.Reject) {
      init.onReject?.(propagator, 'malformed')
      return result
    }
    if (result !== TopicValidatorResult.Accept || message.type !== 'signed') {
      return result
    }
    const author = message.from
    if (rate.allow(author.toString())) {
      return TopicValidatorResult.Accept
    }
    if (!author.equals(propagator)) {
      return TopicValidatorResult.Ignore
    }
    init.onReject?.(propagator, 'flood')
    return TopicValidatorResult.Reject
  }
}

/** Topic validators to install on a peer's gossipsub service. */
export function installTopicValidators (pubsub: { topicValidators: Map<string, TopicValidatorFn> }, init: AnnouncementValidatorInit = {}): void {
  pubsub.topicValidators.set(ANNOUNCE_TOPIC, createAnnouncementValidator(init))
}
