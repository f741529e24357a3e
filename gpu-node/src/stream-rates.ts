import { CHAT_PROTOCOL, DRAFT_PROTOCOL, HTTP_TUNNEL_PROTOCOL, PROBE_PROTOCOL } from '#protocol'
import type { ByteRate, StreamRate } from '#server'

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

const KIB = 1024
const MIB = 1024 * KIB

/**
 * How many bytes one peer may send on each protocol's streams at a
 * verifier. A chat request is at most 256 KiB (the whole conversation) and
 * a page sends one per answer: 1 MiB at once is four such in a row, and
 * 256 KiB/s one a second for as long as it likes. A drafter's proposals are
 * a few tokens each, far less. Probes are at most 1 KiB, one per
 * measurement. Past these a peer is not chatting but flooding: its stream
 * is reset. The HTTP tunnel carries a relay's gateway's request bodies (at
 * most 1 MiB each) for all its clients: bulk, so it is slowed, not cut.
 */
export const VERIFIER_BYTE_RATES: Readonly<Record<string, ByteRate>> = {
  [CHAT_PROTOCOL]: { perSecond: 256 * KIB, burst: MIB, overBudget: 'reset' },
  [DRAFT_PROTOCOL]: { perSecond: 256 * KIB, burst: MIB, overBudget: 'reset' },
  [PROBE_PROTOCOL]: { perSecond: 16 * KIB, burst: 64 * KIB, overBudget: 'reset' },
  [HTTP_TUNNEL_PROTOCOL]: { perSecond: 4 * MIB, burst: 4 * MIB, overBudget: 'throttle' }
}
