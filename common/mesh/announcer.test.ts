import type { GossipSub } from '@libp2p/gossipsub'
import { expect, test } from '@playwright/test'
import { ANNOUNCE_TOPIC, PeerRole } from '#protocol'
import { Announcer } from './announcer.ts'

/** Just what the announcer uses of gossipsub: a neighbour subscribed whose outbound stream opens after `openAfter` publishes. */
class FakePubsub extends EventTarget {
  publishedAt: number[] = []
  constructor (readonly openAfter: number) { super() }
  async publish (): Promise<{ recipients: string[] }> {
    this.publishedAt.push(Date.now())
    return { recipients: this.publishedAt.length > this.openAfter ? ['relay'] : [] }
  }

  getSubscribers (topic: string): string[] {
    return topic === ANNOUNCE_TOPIC ? ['relay'] : []
  }
}

test('an announcement that reached no subscriber (its stream not open yet) is sent again within moments, not an interval later', async () => {
  const pubsub = new FakePubsub(2)
  const announcer = new Announcer({
    // A test double for the three methods the announcer calls.
    pubsub: pubsub as unknown as GossipSub,
    describe: () => ({ role: PeerRole.BROWSER, agent: 'test', addresses: [] }),
    intervalMs: 2_000
  })
  announcer.start()
  await expect.poll(() => pubsub.publishedAt.length, { timeout: 5_000 }).toBe(4)
  announcer.stop()
  const [first = 0, , third = 0, fourth = 0] = pubsub.publishedAt
  expect(third - first).toBeLessThan(1_500)
  // Delivered on the third try: back to the regular interval.
  expect(fourth - third).toBeGreaterThanOrEqual(1_900)
})
