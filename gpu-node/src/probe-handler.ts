import { lpStream } from '@libp2p/utils'
import { MAX_PROBE_BYTES, PROBE_PROTOCOL, PROBE_READ_TIMEOUT_MS } from '#protocol'
import type { Metric, Startable } from '#server'
import type { Libp2p, Stream } from '@libp2p/interface'

/**
 * A probe stream stays open between probes; one idle for this long is closed
 * so abandoned streams do not pile up. The prober opens a new one when needed.
 */
export const PROBE_IDLE_TIMEOUT_MS = 5 * 60_000

export interface ProbeStats {
  openStreams: number
  messages: number
}

export interface ProbeHandlerOptions {
  /**
   * Longest wait for the next probe, in ms.
   *
   * @default PROBE_IDLE_TIMEOUT_MS
   */
  idleTimeoutMs?: number
  /** Updated as streams open and probes are echoed. */
  stats?: ProbeStats
}

/**
 * Echoes each length-prefixed probe back on the same stream until the other
 * side closes it. Oversized or truncated input aborts the stream; nothing here
 * rejects, so a bad peer cannot take the process down.
 */
export async function handleProbeStream (stream: Stream, options: ProbeHandlerOptions = {}): Promise<void> {
  const stats = options.stats
  const messages = lpStream(stream, { maxDataLength: MAX_PROBE_BYTES })
  if (stats != null) {
    stats.openStreams++
  }
  try {
    while (true) {
      let probe
      try {
        probe = await messages.read({ signal: AbortSignal.timeout(options.idleTimeoutMs ?? PROBE_IDLE_TIMEOUT_MS) })
      } catch (err) {
        // lpStream reports the prober closing its side (a clean end) as UnexpectedEOFError too.
        if (err instanceof Error && err.name === 'UnexpectedEOFError' && stream.remoteWriteStatus !== 'writable') {
          break
        }
        throw err
      }
      await messages.write(probe, { signal: AbortSignal.timeout(PROBE_READ_TIMEOUT_MS) })
      if (stats != null) {
        stats.messages++
      }
    }
    await stream.close({ signal: AbortSignal.timeout(PROBE_READ_TIMEOUT_MS) })
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  } finally {
    if (stats != null) {
      stats.openStreams--
    }
  }
}

export interface ProbeProtocolComponents {
  node: Pick<Libp2p, 'handle' | 'unhandle'>
}

export interface ProbeProtocol extends Startable {
  readonly stats: Readonly<ProbeStats>
  metrics: () => Metric[]
}

/**
 * Answers `/shoal/probe/1.0.0` once started. Limited (relayed) connections
 * are served too: browsers probe before, and while, upgrading the relayed
 * connection to WebRTC.
 */
export function createProbeProtocol (): (components: ProbeProtocolComponents) => ProbeProtocol {
  return (components) => {
    const stats: ProbeStats = { openStreams: 0, messages: 0 }
    return {
      stats,
      metrics: () => [
        { name: 'shoal_gpu_node_probe_streams', help: 'Open probe streams.', type: 'gauge', value: stats.openStreams },
        { name: 'shoal_gpu_node_probe_messages_total', help: 'Probes echoed.', type: 'counter', value: stats.messages }
      ],
      start: async () => {
        await components.node.handle(PROBE_PROTOCOL, (stream) => handleProbeStream(stream, { stats }), { runOnLimitedConnection: true })
      },
      stop: async () => { await components.node.unhandle(PROBE_PROTOCOL) }
    }
  }
}
