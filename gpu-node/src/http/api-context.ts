import type { HttpMetrics } from './http-metrics.ts'
import type { Log } from '#server'
import type { Embedder } from '../embedding/types.ts'
import type { ModelDetails } from '../model/model-details.ts'
import type { Verifier } from '../verifier/types.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** What every API handler is given. */
export interface ApiContext {
  verifier: Verifier
  /** Answers the embedding routes: the served model, or `--embedding-model`'s. */
  embedder: Embedder
  /** The served model's file details (Ollama's `/api/show`, `/api/ps`, `/api/tags`). */
  modelDetails: ModelDetails
  metrics: HttpMetrics
  log: Log
  /** Unix seconds reported as the model's creation time (`created`, `modified_at`). */
  modelCreatedAt: number
  /** Most tokens one request may ask for (the verifier refuses more); `Infinity` for no limit. */
  maxTokensPerRequest: number
  /** Who asks, for the verifier's per-client limits (see {@link clientIdOf}). */
  clientId: string
}

export type ApiHandler = (context: ApiContext, request: IncomingMessage, response: ServerResponse) => Promise<void>

/**
 * The header gpu-node's own HTTP tunnel (see gpu-node/src/http-tunnel.ts)
 * sets on the requests it forwards from a relay's gateway: `<token> <client>`.
 * Only a request carrying the process's secret token is believed.
 */
export const TUNNEL_CLIENT_HEADER = 'x-shoal-tunnel-client'

/**
 * Who asks, for the verifier's per-client limits: the peer address. Not the
 * request's `user` field, which the client picks and could vary to dodge limits.
 * A request the tunnel forwards comes from loopback for every gateway client:
 * it names the client instead, believed when it carries `tunnelToken`.
 */
export function clientIdOf (request: IncomingMessage, tunnelToken?: string): string {
  const tunnelled = request.headers[TUNNEL_CLIENT_HEADER]
  if (tunnelToken !== undefined && typeof tunnelled === 'string') {
    const space = tunnelled.indexOf(' ')
    if (space > 0 && tunnelled.slice(0, space) === tunnelToken) {
      return tunnelled.slice(space + 1)
    }
  }
  return `http:${request.socket.remoteAddress ?? 'unknown'}`
}

/**
 * Tokens a request that sets no limit may generate: until the context is
 * full, as OpenAI and Ollama do, within the per-request limit.
 */
export function defaultMaxTokens (context: ApiContext): number {
  return Math.min(context.verifier.model.contextLength, context.maxTokensPerRequest)
}
