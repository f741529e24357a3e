import { StreamMessageEvent } from '@libp2p/interface'
import { BoundedMap } from './bounded-map.ts'
import type { Metric } from './prometheus.ts'
import type { Connection, Stream, StreamHandler } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

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

/** A throttled stream resumes once this much (yamux's largest frame), or the rest, fits its bucket: not for every byte. */
const THROTTLE_SLICE_BYTES = 64 * 1024

/** The largest receive window yamux grows a stream's to (its `maxStreamWindowSize` default). */
const MAX_MUXER_WINDOW_BYTES = 16 * 1024 * 1024

/** Bytes `start` to `end` of a message, without copying. */
function part (data: Uint8Array | Uint8ArrayList, start: number, end?: number): Uint8Array | Uint8ArrayList {
  return data instanceof Uint8Array ? data.subarray(start, end) : data.sublist(start, end)
}

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
   * Takes what may be read now of `bytes` of `protocol` from `peer`'s
   * budget. A `reset` protocol's bytes pass whole or not at all (refused,
   * not served: nothing is taken, and `waitMs` is `Infinity`). A `throttle`
   * protocol's pass as far as the bucket holds; for the rest `waitMs` says
   * how long until its next slice fits.
   */
  take (peer: string, protocol: string, bytes: number, now: number = Date.now()): { admitted: number, waitMs: number } {
    const rate = this.#rates[protocol]
    if (rate === undefined) {
      return { admitted: bytes, waitMs: 0 }
    }
    const key = `${protocol} ${peer}`
    const bucket = this.#buckets.get(key) ?? { tokens: rate.burst, at: now }
    bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * rate.perSecond)
    bucket.at = now
    this.#buckets.set(key, bucket)
    if (rate.overBudget === 'reset') {
      if (bucket.tokens < bytes) {
        this.#refused.set(protocol, (this.#refused.get(protocol) ?? 0) + 1)
        return { admitted: 0, waitMs: Number.POSITIVE_INFINITY }
      }
      bucket.tokens -= bytes
      return { admitted: bytes, waitMs: 0 }
    }
    const admitted = Math.min(bytes, Math.max(0, Math.floor(bucket.tokens)))
    bucket.tokens -= admitted
    if (admitted === bytes) {
      return { admitted, waitMs: 0 }
    }
    this.#throttled.set(protocol, (this.#throttled.get(protocol) ?? 0) + 1)
    const slice = Math.min(bytes - admitted, THROTTLE_SLICE_BYTES, rate.burst)
    return { admitted, waitMs: Math.ceil(((slice - bucket.tokens) / rate.perSecond) * 1000) }
  }

  /**
   * Meters what `stream`'s reader is handed against `peer`'s budget for
   * `protocol`. The stream's message events are intercepted where they are
   * dispatched, not listened to: a listener of our own would make the
   * stream hand out data before its real reader is there, and lose it.
   * Throttled, the part of a message over budget goes back to the front of
   * the stream's read buffer and reads pause until it fits: with reads
   * paused the muxer stops granting the peer window, so the peer stops
   * sending, and what is already in flight waits here, not lost.
   */
  meter (stream: Stream, peer: string, protocol: string): void {
    const rate = this.#rates[protocol]
    if (rate === undefined) {
      return
    }
    if (rate.overBudget === 'throttle') {
      // A paused stream buffers up to the window yamux may have grown for it before the first pause (16 MiB at
      // most); its default read buffer limit (4 MiB) would abort a stream this budget only meant to slow.
      stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, MAX_MUXER_WINDOW_BYTES)
    }
    const dispatch = stream.dispatchEvent.bind(stream)
    let resumeTimer: ReturnType<typeof setTimeout> | undefined
    stream.dispatchEvent = (event: Event): boolean => {
      if (event.type !== 'message' || !(event instanceof StreamMessageEvent)) {
        return dispatch(event)
      }
      const { admitted, waitMs } = this.take(peer, protocol, event.data.byteLength)
      if (waitMs === Number.POSITIVE_INFINITY) {
        stream.abort(new Error(`${protocol}: this peer sent more than ${rate.perSecond} bytes per second (burst ${rate.burst}); slow down`))
        return false
      }
      if (waitMs === 0) {
        return dispatch(event)
      }
      try {
        stream.pause()
        stream.unshift(part(event.data, admitted))
      } catch {
        return dispatch(event) // its readable end is closing: nothing more to hold back
      }
      clearTimeout(resumeTimer)
      resumeTimer = setTimeout(() => {
        resumeTimer = undefined
        try {
          stream.resume()
        } catch {
          // closed while paused
        }
      }, waitMs)
      return admitted === 0 || dispatch(new StreamMessageEvent(part(event.data, 0, admitted)))
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
