import { createServer } from 'node:http'
import { z } from 'zod'
import { closeServer, errorMessage, listen, PROMETHEUS_CONTENT_TYPE, renderPrometheus, requestPath, sendJson, sendJsonError, sendText } from '#server'
import { ApiError, clientIdOf, handleChatCompletions, handleCompletions, handleEmbeddings, handleOllamaEmbed, handleOllamaEmbeddings, handleOllamaPs, handleOllamaShow, handleListModels, handleOllamaChat, handleOllamaGenerate, handleOllamaTags, handleOllamaVersion, handleRetrieveModel, hasValidApiKey, HttpMetrics, isClientGone, verifierErrorToApiError } from './http/index.ts'
import type { ApiContext, ApiHandler, RouteLabel } from './http/index.ts'
import type { Log, Metric, Startable } from '#server'
import type { Embedder } from './embedding/types.ts'
import type { ModelDetails } from './model/model-details.ts'
import type { RelayState } from './relay-connector.ts'
import type { Verifier } from './verifier/types.ts'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'

/** The body of `GET /health`; clients (tests, monitors, pages) parse it with this schema. */
export const GpuNodeHealth = z.object({
  status: z.literal('ok'),
  peerId: z.string().min(1),
  /** `connected` while at least one relay holds a reservation for this verifier. */
  relay: z.enum(['connecting', 'connected']) satisfies z.ZodType<RelayState>,
  /** Each relay it keeps (up to two): its address and state. */
  relays: z.array(z.object({ address: z.string(), state: z.enum(['connecting', 'connected']) satisfies z.ZodType<RelayState> })),
  connections: z.number().int().nonnegative(),
  model: z.object({
    name: z.string(),
    loaded: z.boolean(),
    /** `sha256:<hex>` of the tokenizer (see common/gguf/tokenizer-fingerprint.ts). */
    tokenizerFingerprint: z.string(),
    /** True for the built-in demo model, whose text means nothing. */
    demo: z.boolean(),
    /** Tokens one chat may hold (prompt and answer). */
    contextLength: z.number().int().nonnegative()
  }),
  /** Chats waiting for a free sequence. */
  queueDepth: z.number().int().nonnegative(),
  /** Present only when `--emulate-pass-cost` pads every pass to an emulated GPU's cost: timings are then not this machine's. */
  emulatedPassCost: z.object({
    label: z.string(),
    source: z.string(),
    passes: z.number().int().nonnegative(),
    /** Sequences batched into those passes (each counted once per pass it was in). */
    sequences: z.number().int().nonnegative(),
    tokens: z.number().int().nonnegative(),
    paddedMs: z.number().nonnegative()
  }).optional(),
  /** Present only when `--emulate-link-delay` holds every draft-protocol message for half this round trip each way. */
  emulatedLinkDelay: z.object({ label: z.string(), roundTripMs: z.number().nonnegative() }).optional(),
  /** Addresses browsers can dial (WebRTC through the relay). */
  addresses: z.array(z.string()),
  uptimeSeconds: z.number().int().nonnegative()
})
export type GpuNodeHealth = z.infer<typeof GpuNodeHealth>

export interface ApiServerInit {
  /**
   * Most tokens one request may ask for: the verifier's per-request limit,
   * which the API checks first so that asking too much is a 400 naming the
   * parameter (not a retryable 429), and which caps requests that set none.
   *
   * @default Infinity
   */
  maxTokensPerRequest?: number
  /**
   * When set, every `/v1/*` and `/api/*` request must carry
   * `Authorization: Bearer <apiKey>`; `/health` and `/metrics` stay open.
   */
  apiKey?: string
  /**
   * The secret gpu-node's HTTP tunnel proves itself with, so that a request
   * it forwards counts against its gateway client's limits (see `clientIdOf`).
   */
  tunnelToken?: string
}

export interface ApiServerComponents {
  /** Serves the completions. */
  verifier: Verifier
  /** Serves the embeddings. */
  embedder: Embedder
  /** The served model's file details, for Ollama's model routes. */
  modelDetails: ModelDetails
  log: Log
  health: () => GpuNodeHealth
  metrics: () => Metric[]
}

export interface ApiServiceInit extends ApiServerInit {
  host: string
  /** 0 picks a free port. */
  port: number
}

export interface ApiService extends Startable {
  /** The port listened on, once started. */
  readonly port: number
}

/** The HTTP API as a service: started, it listens on host:port; stopped, it closes every connection. */
export function createApiService (init: ApiServiceInit): (components: ApiServerComponents) => ApiService {
  return (components) => {
    const server = createApiServer(init, components)
    let port = init.port
    return {
      get port () { return port },
      start: async () => {
        port = await listen(server, init.port, init.host)
        // Errors after listening (a failed accept, say) are news, not a reason to stop; listening's own failure is thrown above.
        server.on('error', (err) => { components.log.warn(`API server: ${errorMessage(err)}`) })
      },
      stop: async () => { await closeServer(server) }
    }
  }
}

/** Any page may call the API (it is how a browser on another origin reaches a local verifier). */
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Authorization'
}

/** Which API a path belongs to decides how its errors are written. */
type Family = 'openai' | 'ollama'

interface Route {
  label: RouteLabel
  method: 'GET' | 'POST'
  handle: ApiHandler
}

const ROUTES = new Map<string, Route>([
  ['/v1/chat/completions', { label: '/v1/chat/completions', method: 'POST', handle: handleChatCompletions }],
  ['/v1/completions', { label: '/v1/completions', method: 'POST', handle: handleCompletions }],
  ['/v1/embeddings', { label: '/v1/embeddings', method: 'POST', handle: handleEmbeddings }],
  ['/v1/models', { label: '/v1/models', method: 'GET', handle: handleListModels }],
  ['/api/chat', { label: '/api/chat', method: 'POST', handle: handleOllamaChat }],
  ['/api/generate', { label: '/api/generate', method: 'POST', handle: handleOllamaGenerate }],
  ['/api/embed', { label: '/api/embed', method: 'POST', handle: handleOllamaEmbed }],
  ['/api/embeddings', { label: '/api/embeddings', method: 'POST', handle: handleOllamaEmbeddings }],
  ['/api/show', { label: '/api/show', method: 'POST', handle: handleOllamaShow }],
  ['/api/ps', { label: '/api/ps', method: 'GET', handle: handleOllamaPs }],
  ['/api/tags', { label: '/api/tags', method: 'GET', handle: handleOllamaTags }],
  ['/api/version', { label: '/api/version', method: 'GET', handle: handleOllamaVersion }]
])

const MODEL_PATH_PREFIX = '/v1/models/'

/**
 * gpu-node's HTTP API: `/health`, `/metrics`, the OpenAI-compatible `/v1/*`
 * and the Ollama-compatible `/api/*` (see docs/http-api.md).
 */
export function createApiServer (init: ApiServerInit, components: ApiServerComponents): Server {
  const httpMetrics = new HttpMetrics()
  const modelCreatedAt = Math.floor(Date.now() / 1000)
  const server = createServer((request, response) => {
    for (const [name, value] of Object.entries(CORS_HEADERS)) {
      response.setHeader(name, value)
    }
    const path = requestPath(request)
    const family: Family | undefined = path?.startsWith('/v1/') === true ? 'openai' : path?.startsWith('/api/') === true ? 'ollama' : undefined
    const route = path == null ? undefined : ROUTES.get(path)
    const label = route?.label ?? (path === '/health' || path === '/metrics' ? path : path?.startsWith(MODEL_PATH_PREFIX) === true ? '/v1/models' : 'other')
    if (request.method !== 'OPTIONS') {
      httpMetrics.track(label, response)
    }
    serve(request, response, path, family, route).catch((err: unknown) => {
      try {
        if (family === undefined) {
          components.log.warn(`API ${request.method ?? '?'} ${request.url ?? '?'} failed: ${errorMessage(err)}`)
          sendApiError(response, undefined, new ApiError(500, 'internal error', { type: 'server_error' }))
        } else {
          sendApiError(response, family, toApiError(err, request))
        }
      } catch (writeError) {
        components.log.warn(`API ${request.method ?? '?'} ${request.url ?? '?'}: cannot send the error: ${errorMessage(writeError)}`)
        response.destroy()
      }
    })
  })

  const toApiError = (err: unknown, request: IncomingMessage): ApiError | undefined => {
    if (err instanceof ApiError) {
      return err
    }
    if (isClientGone(err)) {
      return undefined
    }
    const mapped = verifierErrorToApiError(err)
    if (mapped !== undefined) {
      return mapped
    }
    components.log.warn(`API ${request.method ?? '?'} ${request.url ?? '?'} failed: ${errorMessage(err)}`)
    return new ApiError(500, 'internal error', { type: 'server_error' })
  }

  const serve = async (request: IncomingMessage, response: ServerResponse, path: string | undefined, family: Family | undefined, route: Route | undefined): Promise<void> => {
    if (request.method === 'OPTIONS') {
      response.writeHead(204, { 'Access-Control-Max-Age': '600' })
      response.end()
    } else if (path === '/health' && (request.method === 'GET' || request.method === 'HEAD')) {
      sendJson(response, 200, components.health())
    } else if (path === '/metrics' && (request.method === 'GET' || request.method === 'HEAD')) {
      const text = renderPrometheus([...components.metrics(), ...httpMetrics.metrics()])
      sendText(response, 200, text, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Cache-Control': 'no-store' })
    } else if (path === '/health' || path === '/metrics') {
      sendJsonError(response, 405, `${request.method ?? '?'} is not allowed on ${path}`, 'invalid_request_error', { Allow: 'GET, HEAD' })
    } else if (family !== undefined && init.apiKey !== undefined && !hasValidApiKey(request, init.apiKey)) {
      throw new ApiError(401, request.headers.authorization === undefined
        ? 'missing API key: send "Authorization: Bearer <key>"'
        : 'invalid API key', { type: 'invalid_request_error', code: 'invalid_api_key', headers: { 'WWW-Authenticate': 'Bearer' } })
    } else if (route !== undefined || path?.startsWith(MODEL_PATH_PREFIX) === true) {
      const method = route?.method ?? 'GET'
      if (request.method !== method && !(method === 'GET' && request.method === 'HEAD')) {
        throw new ApiError(405, `${request.method ?? '?'} is not allowed on ${path ?? ''}; use ${method}`, { type: 'invalid_request_error', code: 'method_not_allowed', headers: { Allow: method === 'GET' ? 'GET, HEAD' : method } })
      }
      const context: ApiContext = { verifier: components.verifier, embedder: components.embedder, modelDetails: components.modelDetails, metrics: httpMetrics, log: components.log, modelCreatedAt, maxTokensPerRequest: init.maxTokensPerRequest ?? Number.POSITIVE_INFINITY, clientId: clientIdOf(request, init.tunnelToken) }
      if (route !== undefined) {
        await route.handle(context, request, response)
      } else {
        await handleRetrieveModel(context, (path ?? '').slice(MODEL_PATH_PREFIX.length), response)
      }
    } else {
      sendJsonError(response, 404, `no route ${request.method ?? '?'} ${path ?? request.url ?? ''}`, 'not_found_error')
    }
  }
  return server
}

/**
 * Writes `error` as its API family does: OpenAI's
 * `{"error":{"message","type","param","code"}}`, Ollama's `{"error":"..."}`,
 * or (outside both) `{"error":{"message","type"}}`. Undefined means the
 * client is gone: nothing to write.
 */
function sendApiError (response: ServerResponse, family: Family | undefined, error: ApiError | undefined): void {
  if (error === undefined || response.headersSent || response.destroyed) {
    response.destroy()
    return
  }
  if (family === 'ollama') {
    sendJson(response, error.status, { error: error.message }, error.headers)
  } else if (family === 'openai') {
    sendJson(response, error.status, { error: { message: error.message, type: error.type, param: error.param, code: error.code } }, error.headers)
  } else {
    sendJsonError(response, error.status, error.message, error.type, error.headers)
  }
}
