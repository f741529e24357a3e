import { BoundedMap } from './bounded-map.ts'
import type { Metric } from './prometheus.ts'
import type { Connection, Libp2p, Startable, Stream, StreamHandler, StreamHandlerOptions, StreamHandlerRecord } from '@libp2p/interface'

/** How fast one peer may open streams of one protocol: a token bucket. */
export interface StreamRate {
  /** Streams per second, sustained. */
  perSecond: number
  /** Streams at once after a quiet spell. */
  burst: number
}

/** Peers tracked at once, so a flood of fresh ids costs bounded memory. */
const MAX_TRACKED_PEERS = 4_096

/**
 * Per-peer budgets of new streams, per protocol, at a server: a peer that
 * opens streams faster than its protocol's rate has the excess reset at
 * once, before anything is read from it, so opening streams costs a flooder
 * more than it costs the server. Limits on streams open at once
 * (`maxInboundStreams`) and on each message's size stay the protocols' own.
 */
export class StreamBudget {
  readonly #rates: Readonly<Record<string, StreamRate>>
  readonly #buckets = new BoundedMap<string, { tokens: number, at: number }>(MAX_TRACKED_PEERS)
  readonly #refused = new Map<string, number>()

  constructor (rates: Readonly<Record<string, StreamRate>>) {
    this.#rates = rates
  }

  /** Takes one stream of `protocol` from `peer`'s budget; false when it is spent. */
  take (peer: string, protocol: string, now: number = Date.now()): boolean {
    const rate = this.#rates[protocol]
    if (rate === undefined) {
      return true
    }
    const key = `${protocol} ${peer}`
    const bucket = this.#buckets.get(key) ?? { tokens: rate.burst, at: now }
    bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * rate.perSecond)
    bucket.at = now
    this.#buckets.set(key, bucket)
    if (bucket.tokens < 1) {
      this.#refused.set(protocol, (this.#refused.get(protocol) ?? 0) + 1)
      return false
    }
    bucket.tokens--
    return true
  }

  /** `handler` behind this budget: a stream over it is reset unread. */
  guard (protocol: string, handler: StreamHandler): StreamHandler {
    return (stream: Stream, connection: Connection) => {
      if (!this.take(connection.remotePeer.toString(), protocol)) {
        stream.abort(new Error(`too many ${protocol} streams from this peer; slow down`))
        return
      }
      return handler(stream, connection)
    }
  }

  metrics (prefix: string): Metric[] {
    return Object.keys(this.#rates).map((protocol) => ({
      name: `${prefix}_streams_refused_total`,
      help: 'Streams reset unread because their peer opened them faster than the protocol allows.',
      type: 'counter',
      value: this.#refused.get(protocol) ?? 0,
      labels: { protocol }
    }))
  }
}

/** What puts a protocol's handler behind a budget: `StreamBudget`, `ByteBudget`. */
export interface HandlerGuard {
  guard: (protocol: string, handler: StreamHandler) => StreamHandler
}

/**
 * `node`'s `handle` and `unhandle`, with every handler registered through
 * it behind `budgets`, the first outermost (so a stream budget resets a
 * stream before a byte budget meters it): what a protocol service is
 * given, so its handlers need not know of the budgets.
 */
export function budgetedHandlers (node: Pick<Libp2p, 'handle' | 'unhandle'>, ...budgets: HandlerGuard[]): Pick<Libp2p, 'handle' | 'unhandle'> {
  return {
    handle: async (protocol, handler, options) => {
      for (const one of Array.isArray(protocol) ? protocol : [protocol]) {
        await node.handle(one, budgets.reduceRight((inner, budget) => budget.guard(one, inner), handler), options)
      }
    },
    unhandle: async (protocol) => { await node.unhandle(protocol) }
  }
}

/** The part of libp2p's registrar (a component services are given) that re-registering a handler needs. */
export interface HandlerRegistrar {
  getProtocols: () => string[]
  getHandler: (protocol: string) => StreamHandlerRecord
  handle: (protocol: string, handler: StreamHandler, options?: StreamHandlerOptions) => Promise<void>
}

/**
 * A libp2p service that puts handlers other services registered behind
 * `budget` (a `StreamBudget` or a `ByteBudget`): once every service has started (and so registered its
 * protocols), each protocol `budget` has a rate for is re-registered
 * through `guard`, with the options it had. For handlers that libp2p's own
 * services register (circuit relay, identify, ping, gossipsub), which take
 * no `handle` of ours.
 */
export function streamBudgetService (budget: HandlerGuard, protocols: readonly string[]): (components: { registrar: HandlerRegistrar }) => Startable {
  return ({ registrar }) => ({
    start: () => {},
    afterStart: async () => {
      for (const protocol of protocols) {
        if (!registrar.getProtocols().includes(protocol)) continue
        const { handler, options } = registrar.getHandler(protocol)
        await registrar.handle(protocol, budget.guard(protocol, handler), { ...options, force: true })
      }
    },
    stop: () => {}
  })
}
