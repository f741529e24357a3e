import { lpStream } from '@libp2p/utils'
import {
  HTTP_TUNNEL_PROTOCOL,
  HTTP_TUNNEL_RESPONSE_TIMEOUT_MS,
  MAX_HTTP_TUNNEL_FRAME_BYTES,
  MAX_HTTP_TUNNEL_STREAMS,
  decodeHttpTunnelFrame,
  decodeHttpTunnelResponseHead,
  encodeHttpTunnelData,
  encodeHttpTunnelEnd,
  encodeHttpTunnelHead,
  splitBody
} from '#protocol'
import type { HttpTunnelRequestHead, HttpTunnelResponseHead } from '#protocol'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'

/** Deadline for opening the tunnel stream on the verifier's connection. */
const OPEN_TIMEOUT_MS = 10_000

/** A verifier's answer, its head read and its body still to come. */
export interface TunnelledResponse {
  head: HttpTunnelResponseHead
  /**
   * The body as the verifier writes it. Throws when it is cut short (the
   * verifier went away, or the stream broke) before its end frame.
   */
  body: AsyncGenerator<Uint8Array, void, undefined>
  /** Resets the stream: the verifier sees its client gone and stops. */
  abort: (reason: Error) => void
}

/**
 * Sends one HTTP exchange to `peer` over `/shoal/http/1.0.0` (see
 * protocol/http-tunnel.ts) on the connection the relay already holds to it,
 * and resolves once the response's head arrives. Aborting `signal` (the
 * client left) resets the stream at any point.
 *
 * @throws when the stream cannot be opened, or breaks or times out before the head
 */
export async function sendThroughTunnel (node: Libp2p, peer: PeerId, request: { head: HttpTunnelRequestHead, body: Uint8Array }, signal: AbortSignal): Promise<TunnelledResponse> {
  const connection = node.getConnections(peer).find((candidate) => candidate.status === 'open' && candidate.limits == null)
  if (connection === undefined) {
    throw new Error(`no connection to ${peer.toString()}`)
  }
  const stream = await connection.newStream(HTTP_TUNNEL_PROTOCOL, {
    signal: AbortSignal.any([signal, AbortSignal.timeout(OPEN_TIMEOUT_MS)]),
    maxOutboundStreams: MAX_HTTP_TUNNEL_STREAMS
  })
  const abort = (reason: Error): void => { stream.abort(reason) }
  const onAbort = (): void => { abort(new Error('the client left')) }
  signal.addEventListener('abort', onAbort, { once: true })
  const messages = lpStream(stream, { maxDataLength: MAX_HTTP_TUNNEL_FRAME_BYTES })
  let head: HttpTunnelResponseHead
  try {
    await messages.writeV([encodeHttpTunnelHead(request.head), ...splitBody(request.body).map(encodeHttpTunnelData), encodeHttpTunnelEnd()], { signal })
    head = decodeHttpTunnelResponseHead((await messages.read({ signal: AbortSignal.any([signal, AbortSignal.timeout(HTTP_TUNNEL_RESPONSE_TIMEOUT_MS)]) })).subarray())
  } catch (err) {
    signal.removeEventListener('abort', onAbort)
    abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
  return { head, body: readBody(stream, messages, signal, () => { signal.removeEventListener('abort', onAbort) }), abort }
}

async function * readBody (stream: Stream, messages: ReturnType<typeof lpStream<Stream>>, signal: AbortSignal, done: () => void): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    while (true) {
      const frame = decodeHttpTunnelFrame((await messages.read({ signal })).subarray())
      if (frame.type === 'end') {
        await stream.close({ signal: AbortSignal.timeout(OPEN_TIMEOUT_MS) }).catch(() => { stream.abort(new Error('the verifier did not close the tunnel stream')) })
        return
      }
      yield frame.bytes
    }
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  } finally {
    done()
  }
}
