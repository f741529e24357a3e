import { once } from 'node:events'
import { pickVerifier } from '#mesh-common'
import { errorMessage } from '#server'
import { continuationBody } from './continuation-body.ts'
import { streamReader } from './stream-readers.ts'
import { sendThroughTunnel } from './tunnel-client.ts'
import type { AnswerReader } from './answer-reader.ts'
import type { ContinuableRequest } from './continuable-request.ts'
import type { TunnelledResponse } from './tunnel-client.ts'
import type { HeardVerifier } from './verifier-directory.ts'
import type { HttpTunnelRequestHead } from '#protocol'
import type { Log } from '#server'
import type { Libp2p } from '@libp2p/interface'
import type { ServerResponse } from 'node:http'

/** How a relayed answer ended for the client. */
export type RelayOutcome = 'whole' | 'cut' | 'client-left'

/**
 * Streams the verifier's answer to the client. Each write that finds the
 * client's buffer full waits for `drain` before the next frame is read (a
 * slow reader slows the verifier, not the relay's memory). An answer cut
 * short is cut for the client too: its connection is destroyed, so it sees a
 * broken response, never a short one that looks whole.
 */
export async function relayAnswer (answer: TunnelledResponse, peerId: string, response: ServerResponse): Promise<RelayOutcome> {
  response.writeHead(answer.head.status, { ...answer.head.headers, 'X-Shoal-Verifier': peerId })
  // SSE chunks leave at once, not when Node's buffer fills.
  response.flushHeaders()
  try {
    for await (const chunk of answer.body) {
      if (!await write(response, chunk)) {
        answer.abort(new Error('the client left'))
        return 'client-left'
      }
    }
    response.end()
    return 'whole'
  } catch {
    const outcome = response.destroyed ? 'client-left' : 'cut'
    response.destroy()
    return outcome
  }
}

export interface ContinuationContext {
  node: Libp2p
  request: ContinuableRequest
  /** The request as the first verifier got it (with the stream-tokens ask). */
  head: HttpTunnelRequestHead
  /** Verifiers asked already; the continuing ones are added. */
  tried: string[]
  /** The verifiers the gateway can reach now. */
  candidates: () => HeardVerifier[]
  log: Log
}

/**
 * Streams an answer (SSE or NDJSON, read by its dialect's reader) to the
 * client and, when its verifier goes away before the answer's end, continues
 * it on another with the same model and tokenizer (see continuable-request.ts).
 * The client reads one answer; its `X-Shoal-Verifier` names the first verifier.
 *
 * @returns how it ended, and how many times it was handed over
 */
export async function relayContinuedAnswer (first: { answer: TunnelledResponse, verifier: HeardVerifier }, context: ContinuationContext, response: ServerResponse, signal: AbortSignal): Promise<{ outcome: RelayOutcome, handovers: number }> {
  response.writeHead(200, { ...first.answer.head.headers, 'X-Shoal-Verifier': first.verifier.peerId })
  response.flushHeaders()
  const streamed = streamReader(context.request.dialect)
  let answer = first.answer
  let handovers = 0
  while (true) {
    try {
      for await (const chunk of answer.body) {
        const out = streamed.push(chunk)
        if (out !== '' && !await write(response, out)) {
          answer.abort(new Error('the client left'))
          return { outcome: 'client-left', handovers }
        }
      }
      response.end()
      return { outcome: 'whole', handovers }
    } catch {
      if (signal.aborted || response.destroyed) {
        return { outcome: 'client-left', handovers }
      }
    }
    if (streamed.finished) {
      // Cut between its last chunk and the end: nothing is missing but the end.
      response.end(streamed.ending())
      return { outcome: 'whole', handovers }
    }
    const next = await continueElsewhere(context, first.verifier, streamed, signal)
    if (next === undefined) {
      response.destroy()
      return { outcome: 'cut', handovers }
    }
    handovers++
    streamed.handOver()
    answer = next
  }
}

/** Asks verifiers with the first one's model and tokenizer, in routing order, to go on from `streamed`. */
async function continueElsewhere (context: ContinuationContext, first: HeardVerifier, streamed: AnswerReader, signal: AbortSignal): Promise<TunnelledResponse | undefined> {
  const body = continuationBody(context.request, streamed, first.tokenizerFingerprint)
  while (body !== undefined && !signal.aborted) {
    const same = context.candidates().filter((verifier) => verifier.model === first.model && verifier.tokenizerFingerprint === first.tokenizerFingerprint)
    const chosen = pickVerifier(same, context.tried, { model: first.model })
    if (chosen === undefined) {
      return undefined
    }
    context.tried.push(chosen.peerId)
    try {
      const answer = await sendThroughTunnel(context.node, chosen.peer, { head: context.head, body }, signal)
      if (answer.head.status === 200) {
        context.log.info(`gateway: answer continued on ${chosen.peerId} after ${streamed.tokens.length} tokens`)
        return answer
      }
      answer.abort(new Error(`refused the continuation with ${answer.head.status}`))
    } catch (err) {
      context.log.info(`gateway: ${chosen.peerId} could not continue the answer: ${errorMessage(err)}`)
    }
  }
  return undefined
}

/** Writes `chunk`, waiting for `drain` when the buffer is full; false when the client is gone. */
async function write (response: ServerResponse, chunk: Uint8Array | string): Promise<boolean> {
  if (!response.write(chunk)) {
    await Promise.race([once(response, 'drain'), once(response, 'close')])
  }
  return !response.destroyed
}

/** A whole (short) body: a refusal kept for later, a model list. */
export async function collect (body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of body) {
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}
