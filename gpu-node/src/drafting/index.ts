/**
 * gpu-node's side of the draft protocol (`/shoal/draft/1.1.0`): drafters
 * (contributing browser tabs) open one long-lived stream each; the verifier
 * opens draft jobs on it for answers whose privacy policy allows drafters,
 * and its token loop verifies whatever drafts have arrived, never waiting.
 * The wire format lives in `protocol/draft.ts`; the drafter's side
 * in `src/lib/drafting/`.
 *
 * @example
 * ```ts
 * const pool = new DrafterPool()
 * const verifier = await createLlamaVerifier({ ...init, drafters: (prompt, asker) => pool.open(prompt, asker) })
 * const drafting = createDraftProtocol()({ node, pool, verifier, log })
 * await drafting.start()
 * ```
 */
import { DRAFT_PROTOCOL, MAX_RESENT_RECEIPTS } from '#protocol'
import type { ReceiptGapRequest } from '#protocol'
import { errorMessage } from '#server'
import { acceptDrafter } from './drafter-connection.ts'
import type { DrafterConnection } from './drafter-connection.ts'
import type { DrafterPool } from './drafter-pool.ts'
import type { Log, Metric, Startable } from '#server'
import type { Verifier } from '../verifier/types.ts'
import type { ReceiptLedger } from '../receipts/receipt-ledger.ts'
import type { Libp2p } from '@libp2p/interface'

export { DrafterPool, DEFAULT_STALL_MS } from './drafter-pool.ts'
export type { DraftingStats } from './drafter-pool.ts'
export { DraftChain } from './draft-chain.ts'
export { DraftPolicy, PassCostModel, bestDraftCount, MAX_DRAFTS_PER_PASS } from './draft-policy.ts'

export interface DraftProtocolComponents {
  node: Pick<Libp2p, 'handle' | 'unhandle'>
  /** Where connected drafters go; the verifier opens its draft jobs from the same pool. */
  pool: DrafterPool
  /** Drafters must draft with its tokenizer. */
  verifier: Pick<Verifier, 'model'>
  log: Log
  /**
   * Where the receipts this verifier (`issuer`) issued are kept, to send a
   * drafter again those it asks for in its hello; without it, none are.
   */
  receipts?: { issuer: string, ledger: Pick<ReceiptLedger, 'issuedTo'> }
}

export interface DraftProtocol extends Startable {
  metrics: () => Metric[]
  /** Stops taking drafters and drops those connected; answers in flight go on alone. */
  stop: () => Promise<void>
}

/**
 * Serves drafters once started. Only on direct connections: relayed ones
 * carry little data and add a hop to every draft.
 */
export interface DraftProtocolInit {
  /**
   * Emulated WAN round trip between drafters and this verifier, in ms (see link-delay.ts).
   *
   * @default 0
   */
  linkDelayMs?: number
}

export function createDraftProtocol (init: DraftProtocolInit = {}): (components: DraftProtocolComponents) => DraftProtocol {
  return ({ node, pool, verifier, log, receipts }) => {
    const connected = new Set<DrafterConnection>()
    const serveDrafter = async (drafter: DrafterConnection): Promise<void> => {
      log.info(`drafter ${drafter.peerId} joined (${drafter.model === '' ? 'unnamed model' : drafter.model}, up to ${drafter.maxJobs} jobs)`)
      connected.add(drafter)
      pool.add(drafter)
      try {
        await drafter.serve(log)
      } finally {
        drafter.end()
        pool.remove(drafter)
        connected.delete(drafter)
      }
    }
    return {
      metrics: () => draftingMetrics(pool),
      start: async () => {
        await node.handle(DRAFT_PROTOCOL, (stream, connection) => {
          void (async () => {
            // Only the connection's own peer is the subject whose receipts are sent again: never anyone else's.
            const resend = receipts === undefined
              ? undefined
              : (subject: string, request: ReceiptGapRequest) => receipts.ledger.issuedTo(receipts.issuer, subject, { sequences: request.missing, after: request.newest, max: MAX_RESENT_RECEIPTS })
            const drafter = await acceptDrafter(stream, connection.remotePeer.toString(), { tokenizerFingerprint: verifier.model.tokenizerFingerprint, linkDelayMs: init.linkDelayMs, resend })
            if (drafter !== undefined) {
              await serveDrafter(drafter)
            }
          })().catch((err: unknown) => { log.warn(`draft stream failed: ${errorMessage(err)}`) })
        }, { maxInboundStreams: 4 })
      },
      stop: async () => {
        await node.unhandle(DRAFT_PROTOCOL)
        for (const drafter of connected) {
          drafter.send({ type: 'refusal', code: 'DRAFT_SHUTTING_DOWN', message: 'the verifier is stopping' })
          drafter.end()
        }
      }
    }
  }
}

function draftingMetrics (pool: DrafterPool): Metric[] {
  return [
    { name: 'shoal_gpu_node_drafters', help: 'Drafters connected.', type: 'gauge', value: pool.stats.drafters },
    { name: 'shoal_gpu_node_draft_jobs_opened_total', help: 'Draft jobs opened.', type: 'counter', value: pool.stats.jobsOpened },
    { name: 'shoal_gpu_node_drafters_dropped_total', help: 'Drafters given no more jobs for wasting passes.', type: 'counter', value: pool.stats.dropped },
    { name: 'shoal_gpu_node_draft_probation_open', help: '1 while drafters not yet proven here may get jobs; 0 while a run of wasteful newcomers keeps the probation lane closed.', type: 'gauge', value: pool.probationOpen ? 1 : 0 },
    { name: 'shoal_gpu_node_draft_probation_closures_total', help: 'Times the probation lane closed after new drafters in a row wasted their first job.', type: 'counter', value: pool.stats.probationClosures },
    ...Object.entries(pool.stats.jobsClosed).map(([reason, value]): Metric => ({
      name: 'shoal_gpu_node_draft_jobs_closed_total',
      help: 'Draft jobs closed, by reason.',
      type: 'counter',
      value,
      labels: { reason }
    })),
    { name: 'shoal_gpu_node_drafted_tokens_offered_total', help: 'Drafted tokens the verifier evaluated.', type: 'counter', value: pool.stats.offeredTokens },
    { name: 'shoal_gpu_node_drafted_tokens_accepted_total', help: 'Drafted tokens the verifier accepted.', type: 'counter', value: pool.stats.acceptedTokens },
    { name: 'shoal_gpu_node_draft_positions_verified_total', help: 'Positions verified while the answer had a draft job open (counted when the job closes).', type: 'counter', value: pool.stats.positionsVerified },
    { name: 'shoal_gpu_node_draft_positions_on_time_total', help: 'Of those, positions for which a draft had arrived when the pass began ("drafts on time").', type: 'counter', value: pool.stats.positionsOnTime },
    { name: 'shoal_gpu_node_draft_rejected_passes_total', help: 'Passes in which a drafted token was rejected (per-token acceptance = accepted / (accepted + rejected passes)).', type: 'counter', value: pool.stats.rejectedPasses }
  ]
}
