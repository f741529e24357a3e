/**
 * gpu-node's side of the chat protocol (`/shoal/chat/1.0.0`): one stream per
 * chat, served by the verifier. The wire format lives in
 * `protocol/chat.ts`; the page's client in `src/lib/chat/`.
 *
 * @example
 * ```ts
 * const chats = createChatProtocol()({ node, verifier, log })
 * await chats.start()
 * // ...metrics: chats.metrics(); on shutdown:
 * await chats.stop()
 * ```
 */
import { CHAT_PROTOCOL } from '#protocol'
import { emptyChatStats, handleChatStream } from './chat-handler.ts'
import type { ChatHandlerOptions, ChatStats } from './chat-handler.ts'
import type { Metric, Startable } from '#server'
import type { Libp2p } from '@libp2p/interface'

export type { ChatStats } from './chat-handler.ts'

export interface ChatProtocolInit extends Pick<ChatHandlerOptions, 'heartbeatMs'> {}

export interface ChatProtocolComponents extends Pick<ChatHandlerOptions, 'verifier' | 'log' | 'credit'> {
  node: Pick<Libp2p, 'handle' | 'unhandle'>
}

export interface ChatProtocol extends Startable {
  readonly stats: ChatStats
  /** Prometheus metrics of the chat protocol. */
  metrics: () => Metric[]
  /** Stops taking chats; those in flight end with `CANCELLED`. */
  stop: () => Promise<void>
}

/** How long `stop()` waits for chats in flight to tell their clients. */
const STOP_TIMEOUT_MS = 5_000

/**
 * Serves chats once started. Relayed (limited) connections are allowed: a
 * page can chat before its direct WebRTC connection is up, and a short
 * answer fits the relay's limits; the page's client prefers a direct
 * connection.
 */
export function createChatProtocol (init: ChatProtocolInit = {}): (components: ChatProtocolComponents) => ChatProtocol {
  return (components) => {
    const { node, verifier } = components
    const stats = emptyChatStats()
    const shutdown = new AbortController()
    const inFlight = new Set<Promise<void>>()
    return {
      stats,
      metrics: () => chatMetrics(stats),
      start: async () => {
        await node.handle(CHAT_PROTOCOL, (stream, connection) => {
          const chat = handleChatStream(stream, connection, { ...components, stats, signal: shutdown.signal, heartbeatMs: init.heartbeatMs })
          inFlight.add(chat)
          void chat.finally(() => { inFlight.delete(chat) })
        }, {
          runOnLimitedConnection: true,
          // Above the verifier's per-client limit, so that a client over it gets a `LIMIT` reply rather than a reset stream.
          maxInboundStreams: 2 * verifier.capacity + 16
        })
      },
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
}

function chatMetrics (stats: ChatStats): Metric[] {
  return [
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
  ]
}
