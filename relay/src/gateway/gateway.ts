import { MAX_HTTP_TUNNEL_BODY_BYTES, STREAM_TOKENS_HEADER, TUNNELLED_REQUEST_HEADERS } from '#protocol'
import { pickVerifier } from '#mesh-common'
import { errorMessage, sendJson } from '#server'
import { apiFamily, sendGatewayError } from './api-errors.ts'
import { collect, relayAnswer, relayContinuedAnswer } from './answer-relay.ts'
import { ClientLimits, clientAddress } from './client-limits.ts'
import { InFlightCounts } from './in-flight-counts.ts'
import { continuableRequest } from './continuable-request.ts'
import type { ContinuableRequest } from './continuable-request.ts'
import { isModelListPath, mergeModelLists } from './model-lists.ts'
import { readBody, requestedModel } from './read-body.ts'
import { sendThroughTunnel } from './tunnel-client.ts'
import { VerifierDirectory } from './verifier-directory.ts'
import type { ApiFamily } from './api-errors.ts'
import type { HeardVerifier } from './verifier-directory.ts'
import type { TunnelledResponse } from './tunnel-client.ts'
import type { RelayNode } from '../relay-node.ts'
import type { HttpTunnelRequestHead } from '#protocol'
import type { Log, Metric, Startable } from '#server'
import type { IncomingMessage, ServerResponse } from 'node:http'

export interface GatewayInit {
  /** Most API requests one client address may have in flight at the relay (0: no limit). */
  maxConcurrentPerIp: number
  /** A verifier's own HTTP API (`--api-url`), named when the gateway hears none. */
  apiUrl?: string
}

export interface GatewayComponents {
  relay: Pick<RelayNode, 'libp2p'>
  log: Log
}

export interface Gateway extends Startable {
  /** Answers one `/v1/*` or `/api/*` request (see `isApiPath`). */
  handle: (request: IncomingMessage, response: ServerResponse, path: string) => Promise<void>
  metrics: () => Metric[]
}

type Libp2pNode = NonNullable<RelayNode['libp2p']>

/** Seconds a client is told to wait when no verifier can take its request. */
const NO_VERIFIER_RETRY_AFTER_SECONDS = 5

/** Longest wait for one verifier's model list. */
const MODEL_LIST_TIMEOUT_MS = 5_000

/** Any page may call the API, as gpu-node's own port allows. */
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Authorization'
}

interface GatewayStats {
  forwarded: number
  /** Verifiers passed over before the first byte: unreachable, broken or refusing (503, 429). */
  failovers: number
  noVerifier: number
  /** Answers cut after their first byte (the verifier went away mid-answer) and not continued. */
  cut: number
  /** Streamed answers continued on another verifier after theirs went away. */
  handovers: number
}

/**
 * The relay as the mesh's API: `/v1/*` (OpenAI) and `/api/*` (Ollama)
 * requests go over the mesh, through `/shoal/http/1.0.0`, to a verifier
 * chosen from the announcements the relay hears, with `pickVerifier`'s rules
 * (the request's model while one runs it, never one announced full, least
 * loaded). A verifier that fails or refuses (503, 429) before the response's
 * first byte is passed over for the next. The response streams back as the
 * verifier writes it, each write waiting for the client to take the last
 * (see answer-relay.ts); a streamed answer (chat, completion, Ollama's chat
 * and generate) whose verifier goes away mid-answer is continued on another.
 * A client that leaves resets the stream, and the verifier stops generating.
 */
export function createGateway (init: GatewayInit): (components: GatewayComponents) => Gateway {
  return ({ relay, log }) => {
    const directory = new VerifierDirectory()
    const limits = new ClientLimits(init.maxConcurrentPerIp)
    const inFlight = new InFlightCounts()
    const stats: GatewayStats = { forwarded: 0, failovers: 0, noVerifier: 0, cut: 0, handovers: 0 }

    const handle = async (request: IncomingMessage, response: ServerResponse, path: string): Promise<void> => {
      const family = apiFamily(path)
      for (const [name, value] of Object.entries(CORS_HEADERS)) {
        response.setHeader(name, value)
      }
      if (request.method === 'OPTIONS') {
        response.writeHead(204, { 'Access-Control-Max-Age': '600' })
        response.end()
        return
      }
      const method = request.method
      if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
        sendGatewayError(response, family, { status: 405, message: `${method ?? '?'} is not allowed on ${path}`, type: 'invalid_request_error', code: 'method_not_allowed', headers: { Allow: 'GET, HEAD, POST' } })
        return
      }
      const client = clientAddress(request)
      const release = limits.acquire(client)
      if (release === undefined) {
        sendGatewayError(response, family, { status: 429, message: `too many API requests in flight from ${client}: at most ${limits.maxConcurrent} at once through this relay`, type: 'rate_limit_error', code: 'rate_limit_exceeded', headers: { 'Retry-After': '1' } })
        return
      }
      response.once('close', release)
      const body = await readBody(request, MAX_HTTP_TUNNEL_BODY_BYTES)
      if (body === 'too-large') {
        sendGatewayError(response, family, { status: 413, message: `the request body is over ${MAX_HTTP_TUNNEL_BODY_BYTES} bytes`, type: 'invalid_request_error', code: 'request_too_large', headers: { Connection: 'close' } })
        return
      }
      const node = relay.libp2p
      const verifiers = directory.list()
      if (node === undefined || verifiers.length === 0) {
        stats.noVerifier++
        sendNoVerifier(response, family)
        return
      }
      const head: HttpTunnelRequestHead = { method, path: request.url ?? path, headers: tunnelledHeaders(request), client }
      // The client leaving (before or during the answer) ends the exchange.
      const clientGone = new AbortController()
      response.once('close', () => { if (!response.writableFinished) clientGone.abort(new Error('the client left')) })
      if (method !== 'POST' && isModelListPath(path)) {
        await listModels(node, verifiers, head, response, clientGone.signal)
        return
      }
      const model = path.startsWith('/v1/models/') ? path.slice('/v1/models/'.length) : requestedModel(body)
      const continuable = method === 'POST' ? continuableRequest(path, body) : undefined
      if (continuable !== undefined) {
        head.headers[STREAM_TOKENS_HEADER] = '1'
      }
      await forward(node, verifiers, { head, body }, { model, continuable }, response, family, clientGone.signal)
    }

    /** Tries verifiers in routing order until one answers with something other than a refusal. */
    const forward = async (node: Libp2pNode, verifiers: HeardVerifier[], exchange: { head: HttpTunnelRequestHead, body: Uint8Array }, request: { model: string | undefined, continuable: ContinuableRequest | undefined }, response: ServerResponse, family: ApiFamily, signal: AbortSignal): Promise<void> => {
      const { model, continuable } = request
      const tried: string[] = []
      let refusal: { peerId: string, answer: TunnelledResponse, body: Uint8Array } | undefined
      while (!signal.aborted) {
        // The least loaded of all, not the better of a random two: the gateway knows its own requests'
        // load at once, so it does not herd as pages that only hear the same announcements would.
        const chosen = pickVerifier(inFlight.withOwnLoad(verifiers), tried, { model })
        if (chosen === undefined) {
          break
        }
        tried.push(chosen.peerId)
        // Counted before anything awaits, so the next request of a burst already sees it.
        const ended = inFlight.begin(chosen.peerId)
        try {
          let answer: TunnelledResponse
          try {
            answer = await sendThroughTunnel(node, chosen.peer, exchange, signal)
          } catch (err) {
            if (signal.aborted) {
              return
            }
            stats.failovers++
            log.info(`gateway: ${chosen.peerId} did not take ${exchange.head.method} ${exchange.head.path}: ${errorMessage(err)}`)
            continue
          }
          if (isRefusal(answer.head.status) && pickVerifier(verifiers, tried, { model }) !== undefined) {
            // Kept (it is short) in case every other one refuses too: then the client gets a verifier's own words.
            stats.failovers++
            refusal = { peerId: chosen.peerId, answer, body: await collect(answer.body).catch(() => new Uint8Array()) }
            continue
          }
          stats.forwarded++
          if (continuable !== undefined && answer.head.status === 200 && (answer.head.headers['content-type'] ?? '').startsWith(continuable.contentType)) {
            const relayed = await relayContinuedAnswer({ answer, verifier: chosen }, { node, request: continuable, head: exchange.head, tried, candidates: () => directory.list(), log }, response, signal)
            stats.handovers += relayed.handovers
            stats.cut += relayed.outcome === 'cut' ? 1 : 0
          } else {
            stats.cut += await relayAnswer(answer, chosen.peerId, response) === 'cut' ? 1 : 0
          }
          return
        } finally {
          ended()
        }
      }
      if (signal.aborted) {
        return
      }
      if (refusal !== undefined) {
        response.writeHead(refusal.answer.head.status, { ...refusal.answer.head.headers, 'X-Shoal-Verifier': refusal.peerId })
        response.end(refusal.body)
        return
      }
      stats.noVerifier++
      sendNoVerifier(response, family, tried.length)
    }

    const listModels = async (node: Libp2pNode, verifiers: HeardVerifier[], head: HttpTunnelRequestHead, response: ServerResponse, signal: AbortSignal): Promise<void> => {
      const answers = await Promise.all(verifiers.map(async (verifier) => {
        try {
          const answer = await sendThroughTunnel(node, verifier.peer, { head: { ...head, method: 'GET' }, body: new Uint8Array() }, AbortSignal.any([signal, AbortSignal.timeout(MODEL_LIST_TIMEOUT_MS)]))
          const text = Buffer.from(await collect(answer.body)).toString('utf8')
          return answer.head.status === 200 ? JSON.parse(text) as unknown : { status: answer.head.status, text }
        } catch (err) {
          log.info(`gateway: no model list from ${verifier.peerId}: ${errorMessage(err)}`)
          return undefined
        }
      }))
      const refused = answers.find((answer): answer is { status: number, text: string } => answer !== undefined && typeof (answer as { status?: unknown }).status === 'number' && typeof (answer as { text?: unknown }).text === 'string')
      const lists = answers.filter((answer) => answer !== undefined && answer !== refused)
      if (lists.length === 0 && refused !== undefined) {
        // Every verifier refused alike (an API key, say): its answer, not an empty list.
        response.writeHead(refused.status, { 'Content-Type': 'application/json; charset=utf-8' })
        response.end(refused.text)
        return
      }
      sendJson(response, 200, mergeModelLists(head.path.split('?')[0] ?? head.path, lists))
    }

    const sendNoVerifier = (response: ServerResponse, family: ApiFamily, tried = 0): void => {
      const why = tried === 0
        ? 'no verifier is connected to this relay'
        : `none of the ${tried} verifiers connected to this relay could take the request`
      const direct = init.apiUrl === undefined ? '' : `; a verifier's own API is at ${init.apiUrl}`
      sendGatewayError(response, family, {
        status: 503,
        message: `${why} (the relay forwards /v1 and /api to the mesh's verifiers); try again shortly${direct}`,
        type: 'service_unavailable',
        code: 'no_verifier',
        headers: { 'Retry-After': String(NO_VERIFIER_RETRY_AFTER_SECONDS) }
      })
    }

    return {
      handle,
      start: () => {
        if (relay.libp2p === undefined) {
          throw new Error('the gateway starts after the relay node')
        }
        directory.attach(relay.libp2p)
      },
      stop: () => {},
      metrics: () => [
        { name: 'shoal_relay_gateway_verifiers', help: 'Verifiers the gateway can forward to (heard on gossip, connected to this relay).', type: 'gauge', value: directory.list().length },
        { name: 'shoal_relay_gateway_in_flight', help: 'API requests in flight through the gateway.', type: 'gauge', value: limits.inFlight },
        { name: 'shoal_relay_gateway_forwarded_total', help: 'API requests answered by a verifier through the gateway.', type: 'counter', value: stats.forwarded },
        { name: 'shoal_relay_gateway_failovers_total', help: 'Verifiers passed over before the first byte (unreachable, failed or refusing).', type: 'counter', value: stats.failovers },
        { name: 'shoal_relay_gateway_no_verifier_total', help: 'API requests answered 503 because no verifier could take them.', type: 'counter', value: stats.noVerifier },
        { name: 'shoal_relay_gateway_cut_total', help: 'Answers cut after their first byte (the verifier went away) and not continued.', type: 'counter', value: stats.cut },
        { name: 'shoal_relay_gateway_handovers_total', help: 'Streamed answers continued on another verifier after theirs went away.', type: 'counter', value: stats.handovers },
        { name: 'shoal_relay_gateway_client_limit_refused_total', help: 'API requests refused 429 for being over the per-IP limit.', type: 'counter', value: limits.refused }
      ]
    }
  }
}

/** A verifier that is busy or over a limit: another may take the request. */
function isRefusal (status: number): boolean {
  return status === 503 || status === 429
}

/** The client's headers that go to the verifier; the stream-tokens ask is the gateway's own, never the client's. */
function tunnelledHeaders (request: IncomingMessage): HttpTunnelRequestHead['headers'] {
  const headers: HttpTunnelRequestHead['headers'] = {}
  for (const name of TUNNELLED_REQUEST_HEADERS) {
    const value = request.headers[name]
    if (typeof value === 'string' && name !== STREAM_TOKENS_HEADER) {
      headers[name] = value
    }
  }
  return headers
}
