import type { PeerId } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { MAX_PROBE_BYTES, PROBE_PROTOCOL, PROBE_READ_TIMEOUT_MS } from '#protocol'
import type { BrowserNode } from './create-browser-node.ts'

/**
 * Measures request/response round trips to a peer on ONE long-lived probe
 * stream, the way draft traffic will flow: the stream is opened once, so the
 * numbers exclude the cost of opening a stream per request.
 *
 * @returns each round trip in milliseconds
 */
export async function measureRoundTrips (node: BrowserNode, peerId: PeerId, count: number, signal?: AbortSignal): Promise<number[]> {
  const stream = await node.dialProtocol(peerId, PROBE_PROTOCOL, { signal })
  const messages = lpStream(stream, { maxDataLength: MAX_PROBE_BYTES })
  const payload = new Uint8Array(64)
  const roundTrips: number[] = []
  try {
    for (let index = 0; index < count; index++) {
      payload[0] = index % 256
      const started = performance.now()
      const deadline = AbortSignal.timeout(PROBE_READ_TIMEOUT_MS)
      const readSignal = signal === undefined ? deadline : AbortSignal.any([signal, deadline])
      await messages.write(payload, { signal: readSignal })
      const reply = await messages.read({ signal: readSignal })
      roundTrips.push(performance.now() - started)
      if (reply.byteLength !== payload.byteLength || reply.get(0) !== payload[0]) {
        throw new Error('probe reply does not echo the request')
      }
    }
    await stream.close()
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
  return roundTrips
}

/** The median of a list of numbers (NaN when empty). */
export function median (values: number[]): number {
  if (values.length === 0) {
    return Number.NaN
  }
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
