import { AGENT, MAX_ANNOUNCED_ADDRESSES, PeerRole } from '#protocol'
import { Announcer } from '#mesh-common'
import { errorMessage } from '#server'
import { browserDialableAddresses } from './addresses.ts'
import type { GpuNodeLibp2p } from './gpu-node.ts'
import type { Verifier } from './verifier/types.ts'
import type { Log, Metric, Startable } from '#server'

export interface VerifierAnnouncerComponents {
  node: GpuNodeLibp2p
  verifier: Pick<Verifier, 'model' | 'queueDepth' | 'capacity' | 'runningCount' | 'queueSize' | 'warm'>
  log: Log
}

export interface VerifierAnnouncer extends Startable {
  metrics: () => Metric[]
}

/**
 * Announces the verifier on gossip once started: its model, tokenizer,
 * load and the addresses browsers can dial, every few seconds and at once
 * when those addresses change. A failure to publish is logged once, until
 * publishing works again.
 */
export function createVerifierAnnouncer (): (components: VerifierAnnouncerComponents) => VerifierAnnouncer {
  return ({ node, verifier, log }) => {
    let failing = false
    const announcer = new Announcer({
      pubsub: node.services.pubsub,
      describe: () => {
        failing = false
        return {
          role: PeerRole.VERIFIER,
          agent: AGENT,
          model: verifier.model.name,
          tokenizerFingerprint: verifier.model.tokenizerFingerprint,
          contextLength: verifier.model.contextLength,
          queueDepth: verifier.queueDepth,
          capacity: verifier.capacity,
          running: verifier.runningCount ?? 0,
          queueSize: verifier.queueSize ?? 0,
          warmPrefixes: [...verifier.warm?.hashes ?? []],
          addresses: browserDialableAddresses(node).slice(0, MAX_ANNOUNCED_ADDRESSES)
        }
      },
      onError: (err) => {
        if (!failing) {
          log.warn(`announcing failed (${errorMessage(err)}); will keep trying`)
          failing = true
        }
      }
    })
    // transport:listening fires the moment a relay reservation gives us new
    // addresses (self:peer:update comes a second later): announce them at once.
    const onListening = (): void => { announcer.announceSoon() }
    // A conversation just answered is announced warm at once: its next turn may follow in seconds.
    const onWarmChange = (): void => { announcer.announceSoon() }
    return {
      metrics: () => [
        { name: 'shoal_gpu_node_announcements_total', help: 'Announcements published.', type: 'counter', value: announcer.published }
      ],
      start: () => {
        node.addEventListener('transport:listening', onListening)
        verifier.warm?.addEventListener('change', onWarmChange)
        announcer.start()
      },
      stop: () => {
        node.removeEventListener('transport:listening', onListening)
        verifier.warm?.removeEventListener('change', onWarmChange)
        announcer.stop()
      }
    }
  }
}
