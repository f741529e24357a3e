import { CHAT_PROTOCOL, DRAFT_PROTOCOL, PROBE_PROTOCOL } from '#protocol'
import type { StreamRate } from '#server'

/**
 * How fast one peer may open each protocol's streams at a verifier. A page
 * opens one chat stream per answer (a hand-over or retry another), a
 * drafter one draft stream per verifier, and the network page one probe
 * stream per measurement; each burst leaves room for a tab of several
 * conversations reconnecting at once.
 */
export const VERIFIER_STREAM_RATES: Readonly<Record<string, StreamRate>> = {
  [CHAT_PROTOCOL]: { perSecond: 5, burst: 20 },
  [DRAFT_PROTOCOL]: { perSecond: 1, burst: 4 },
  [PROBE_PROTOCOL]: { perSecond: 5, burst: 10 }
}
