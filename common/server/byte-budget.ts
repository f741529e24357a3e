import { BoundedMap } from './bounded-map.ts'
import type { Metric } from './prometheus.ts'
import type { Connection, Stream, StreamHandler } from '@libp2p/interface'

/**
 * How many bytes one peer may send on one protocol's streams: a token bucket
 * of bytes, shared by all of that peer's streams of the protocol, and what
 * happens to a stream that finds it empty.
 */
export interface ByteRate {
  /** Bytes per second, sustained. */
  perSecond: number
  /** Bytes at once after a quiet spell. */
  burst: number
  /**
   * `reset`: the stream is reset and the refusal counted (request-shaped
   * protocols, where an honest peer never comes near the budget).
   * `throttle`: the stream's reads pause until the bucket has refilled, so
   * the peer's muxer stops sending (bulk protocols: nothing is lost, it is
   * only slower).
   */
  overBudget: 'reset' | 'throttle'
}

/** Peers tracked at once, so a flood of fresh ids costs bounded memory. */
const MAX_TRACKED_PEERS = 4_096

interface Bucket {
  tokens: number
  at: number
}

/**
 * Per-peer budgets of bytes read, per protocol, at a server. A stream is
 * metered by what its reader is handed (so bytes still waiting in the
 * muxer's window cost nothing yet), and a peer cannot dodge its budget by
 * spreading its bytes over several streams.
 */
export class ByteBudget {
  readonly #rates: Readonly<Record<string, ByteRate>>
  readonly #buckets = new BoundedMap<string, Bucket>(MAX_TRACKED_PEERS)
  readonly #refused = new Map<string, number>()
  readonly #throttled = new Map<string, number>()

  constructor (rates: Readonly<Record<string, ByteRate>>) {
    this.#rates = rates
  }

  /**
   * Takes `bytes` of `protocol` from `peer`'s budget. Returns how many ms
   * the peer must wait until its bucket is no longer in debt: 0 when within
   * budget. A `reset` protocol's bytes are not taken when they do not fit
   * (they are refused, not served), so the answer is then `Infinity`.
   */
  take (peer: string, protocol: string, bytes: number, now: number = Date.now()): number {
    const rate = this.#rates[protocol]
    if (rate === undefined) {
      return 0
    }
    const key = `${protocol} ${peer}`
    const bucket = this.#buckets.get(key) ?? { tokens: rate.burst, at: now }
    bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * rate.perSecond)
    bucket.at = now
    this.#buckets.set(key, bucket)
    if (rate.overBudget === 'reset') {
      if (bucket.tokens < bytes) {
        this.#refused.set(protocol, (this.#refused.get(protocol) ?? 0) + 1)
        return Number.POSITIVE_INFINITY
      }
      bucket.tokens -= bytes
      return 0
    }
    // Throttled bytes have already arrived: they are delivered, and the debt is paid by waiting.
    bucket.tokens -= bytes
    if (bucket.tokens >= 0) {
      return 0
    }
    this.#throttled.set(protocol, (this.#throttled.get(protocol) ?? 0) + 1)
    return Math.ceil((-bucket.tokens / rate.perSecond) * 1000)
  }

  /**
   * Meters what `stream`'s reader is handed against `peer`'s budget for
   * `protocol`. The stream's message events are intercepted where they are
   * dispatched, not listened to: a listener of our own would make the
   * stream hand out data before its real reader is there, and lose it.
   */
  meter (stream: Stream, peer: string, protocol: string): void {
    const rate = this.#rates[protocol]
    if (rate === undefined) {
      return
    }
    const dispatch = stream.dispatchEvent.bind(stream)
    let resumeTimer: ReturnType<typeof setTimeout> | undefined
    stream.dispatchEvent = (event: Event): boolean => {
      if (event.type !== 'message' || !('data' in event)) {
        return dispatch(event)
      }
      const bytes = (event.data as { byteLength: number }).byteLength
      const waitMs = this.take(peer, protocol, bytes)
      if (waitMs === Number.POSITIVE_INFINITY) {
        stream.abort(new Error(`${protocol}: this peer sent more than ${rate.perSecond} bytes per second (burst ${rate.burst}); slow down`))
        return false
      }
      const delivered = dispatch(event)
      if (waitMs > 0 && resumeTimer === undefined && stream.status === 'open') {
        pauseFor(waitMs)
      }
      return delivered
    }
    const pauseFor = (waitMs: number): void => {
      try {
        stream.pause()
      } catch {
        return // its readable end is closing: nothing more to hold back
      }
      resumeTimer = setTimeout(() => {
        resumeTimer = undefined
        try {
          stream.resume()
        } catch {
          // closed while paused
        }
      }, waitMs)
    }
    stream.addEventListener('close', () => {
      clearTimeout(resumeTimer)
    }, { once: true })
  }

  /** `handler` with each stream it is given metered against its peer's budget. */
  guard (protocol: string, handler: StreamHandler): StreamHandler {
    return (stream: Stream, connection: Connection) => {
      this.meter(stream, connection.remotePeer.toString(), protocol)
      return handler(stream, connection)
    }
  }

  metrics (prefix: string): Metric[] {
    return Object.entries(this.#rates).map(([protocol, rate]) => rate.overBudget === 'reset'
      ? {
          name: `${prefix}_stream_bytes_refused_total`,
          help: 'Streams reset because their peer sent more bytes on the protocol than it allows.',
          type: 'counter',
          value: this.#refused.get(protocol) ?? 0,
          labels: { protocol }
        }
      : {
          name: `${prefix}_stream_bytes_throttled_total`,
          help: 'Times a stream\'s reads were paused because its peer sent more bytes on the protocol than it allows.',
          type: 'counter',
          value: this.#throttled.get(protocol) ?? 0,
          labels: { protocol }
        })
  }
}
