import type { GossipSub, Message } from '@libp2p/gossipsub'
import { ANNOUNCE_INTERVAL_MS, ANNOUNCE_TOPIC, PEER_EXPIRY_MS, encodeAnnouncement } from '#protocol'
import type { AnnouncementInit } from '#protocol'

/** Fewest milliseconds between two announcements, however many triggers arrive. */
const MIN_GAP_MS = 250
/** Announcements in a row retried at MIN_GAP_MS when they reached no one while the topic has subscribers. */
const MAX_QUICK_RETRIES = 8

export interface AnnouncerInit {
  pubsub: GossipSub
  /** What to announce; called each time, so it reflects the current state. */
  describe: () => AnnouncementInit
  /** @default ANNOUNCE_INTERVAL_MS */
  intervalMs?: number
  /** Called when publishing fails; the announcer keeps trying. */
  onError?: (err: unknown) => void
}

/**
 * Publishes a peer's announcement every few seconds, and also at once
 * (rate-limited) when a newcomer appears: a gossip neighbour subscribes to
 * the topic, or a peer not heard from recently announces itself. A newcomer
 * thus learns about everyone within milliseconds instead of waiting out the
 * interval. Callers also call `announceSoon()` when their addresses change.
 */
export class Announcer {
  readonly #init: AnnouncerInit
  /** When each peer was last heard on the topic, to recognise newcomers. */
  readonly #heard = new Map<string, number>()
  #timer: ReturnType<typeof setTimeout> | undefined
  #lastAt = 0
  #stopped = true
  #published = 0
  #quickRetries = 0

  constructor (init: AnnouncerInit) {
    this.#init = init
  }

  /** Announcements published since start. */
  get published (): number {
    return this.#published
  }

  start (): void {
    if (!this.#stopped) {
      return
    }
    this.#stopped = false
    this.#init.pubsub.addEventListener('subscription-change', this.#onSubscriptionChange)
    this.#init.pubsub.addEventListener('message', this.#onMessage)
    this.announceSoon()
  }

  stop (): void {
    this.#stopped = true
    this.#init.pubsub.removeEventListener('subscription-change', this.#onSubscriptionChange)
    this.#init.pubsub.removeEventListener('message', this.#onMessage)
    clearTimeout(this.#timer)
  }

  /** Announces as soon as the rate limit allows, then resumes the regular interval. */
  announceSoon (): void {
    this.#schedule(Math.max(0, this.#lastAt + MIN_GAP_MS - Date.now()))
  }

  readonly #onSubscriptionChange = (event: CustomEvent<{ subscriptions: Array<{ topic: string, subscribe: boolean }> }>): void => {
    if (event.detail.subscriptions.some((subscription) => subscription.topic === ANNOUNCE_TOPIC && subscription.subscribe)) {
      this.announceSoon()
    }
  }

  readonly #onMessage = (event: CustomEvent<Message>): void => {
    const message = event.detail
    if (message.topic !== ANNOUNCE_TOPIC || message.type !== 'signed') {
      return
    }
    const now = Date.now()
    const sender = message.from.toString()
    const lastHeard = this.#heard.get(sender)
    this.#heard.set(sender, now)
    if (lastHeard === undefined || now - lastHeard > PEER_EXPIRY_MS) {
      this.#forgetSilentPeers(now)
      this.announceSoon()
    }
  }

  #forgetSilentPeers (now: number): void {
    for (const [peer, heardAt] of this.#heard) {
      if (now - heardAt > PEER_EXPIRY_MS) {
        this.#heard.delete(peer)
      }
    }
  }

  #schedule (delayMs: number): void {
    if (this.#stopped) {
      return
    }
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => { void this.#announce() }, delayMs)
  }

  async #announce (): Promise<void> {
    this.#lastAt = Date.now()
    let reachedNoSubscriber = false
    try {
      const { recipients } = await this.#init.pubsub.publish(ANNOUNCE_TOPIC, encodeAnnouncement(this.#init.describe()))
      this.#published++
      // gossipsub drops a message for a peer whose outbound stream is not open yet, and a new
      // neighbour's subscription (the trigger) often arrives before that stream is: a page's first
      // announcement to the relay was lost so, and the page heard of verifiers a whole interval late.
      reachedNoSubscriber = recipients.length === 0 && this.#init.pubsub.getSubscribers(ANNOUNCE_TOPIC).length > 0
    } catch (err) {
      this.#init.onError?.(err)
    }
    this.#quickRetries = reachedNoSubscriber ? this.#quickRetries + 1 : 0
    this.#schedule(reachedNoSubscriber && this.#quickRetries <= MAX_QUICK_RETRIES ? MIN_GAP_MS : this.#init.intervalMs ?? ANNOUNCE_INTERVAL_MS)
  }
}
