/**
 * gpu-node's side of the chat protocol (`/shoal/chat/1.0.0`): one stream per
 * chat, served by the verifier. The wire format lives in
 * `protocol/chat.ts`; the page's client in `src/lib/chat/`.
 *
 * @example
 * ```ts
 * const chats = await registerChatProtocol(node, { verifier: () => verifier, log })
 * // ...metrics: chats.metrics(); on shutdown:
 * await chats.stop()
 * ```
 */
import { CHAT_PROTOCOL } from '#protocol'
import { emptyChatStats, handleChatStream } from './chat-handler.ts'
import type { ChatHandlerOptions, ChatStats } from './chat-handler.ts'
import type { Metric } from '#server'
import type { Libp2p } from '@libp2p/interface'

export { handleChatStream, emptyChatStats } from './chat-handler.ts'
export type { ChatHandlerOptions, ChatStats } from './chat-handler.ts'

export interface ChatProtocolInit extends Pick<ChatHandlerOptions, 'verifier' | 'log' | 'credit' | 'requestTimeoutMs' | 'writeTimeoutMs' | 'heartbeatMs'> {
  /**
   * Chat streams one connection may hold open at once. Above the verifier's
   * per-client limit, so that a client over it gets a `LIMIT` reply rather
   * than a reset stream.
   *
   * @default 2 * the verifier's capacity (4 before it is loaded) + 16
   */
  maxStreamsPerConnection?: number
}

export interface ChatProtocol {
  readonly stats: ChatStats
  /** Prometheus metrics of the chat protocol. */
  metrics: () => Metric[]
  /** Stops taking chats; those in flight end with `CANCELLED`. */
  stop: () => Promise<void>
}

/** How long `stop()` waits for chats in flight to tell their clients. */
const STOP_TIMEOUT_MS = 5_000

/**
 * Serves chats on `node`. Relayed (limited) connections are allowed: a page
 * can chat before its direct WebRTC connection is up, and a short answer fits
 * the relay's limits; the page's client prefers a direct connection.
 */
export async function registerChatProtocol (node: Pick<Libp2p, 'handle' | 'unhandle'>, init: ChatProtocolInit): Promise<ChatProtocol> {
  const stats = emptyChatStats()
  const shutdown = new AbortController()
  const inFlight = new Set<Promise<void>>()
  await node.handle(CHAT_PROTOCOL, (stream, connection) => {
    const chat = handleChatStream(stream, connection, {
      verifier: init.verifier,
      log: init.log,
      credit: init.credit,
      stats,
      signal: shutdown.signal,
      requestTimeoutMs: init.requestTimeoutMs,
      writeTimeoutMs: init.writeTimeoutMs,
      heartbeatMs: init.heartbeatMs
    })
    inFlight.add(chat)
    void chat.finally(() => { inFlight.delete(chat) })
  }, {
    runOnLimitedConnection: true,
    maxInboundStreams: init.maxStreamsPerConnection ?? 2 * (init.verifier()?.capacity ?? 4) + 16
  })
  return {
    stats,
    metrics: () => [
      { name: 'shoal_gpu_node_chat_streams', help: 'Open chat streams.', type: 'gauge', value: stats.open },
      { name: 'shoal_gpu_node_chats_completed_total', help: 'Chats answered to the end.', type: 'counter', value: stats.completed },
      { name: 'shoal_gpu_node_chats_cancelled_total', help: 'Chats cancelled or left by their client.', type: 'counter', value: stats.cancelled },
      ...Object.entries(stats.errors).map(([code, value]): Metric => ({
        name: 'shoal_gpu_node_chat_errors_total',
        help: 'Chats ended with an error event, by code.',
        type: 'counter',
        value,
        labels: { code }
      }))
    ],
    stop: async () => {
      await node.unhandle(CHAT_PROTOCOL)
      shutdown.abort()
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolve) => { timer = setTimeout(resolve, STOP_TIMEOUT_MS) })
      ])
      clearTimeout(timer)
    }
  }
}
