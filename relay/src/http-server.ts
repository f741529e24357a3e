import { createServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { BOOTSTRAP_PATH } from '#protocol'
import { errorMessage, GUARDED_SERVER_OPTIONS, PROMETHEUS_CONTENT_TYPE, renderPrometheus, requestPath, sendJson, sendText } from '#server'
import { MODELS_PREFIX, serveApp, serveModel } from './static-files.ts'
import type { Bootstrap } from '#protocol'
import type { Log, Metric } from '#server'
import type { RelayHealth } from './relay-stats.ts'
import type { SecureContextTarget } from './tls.ts'
import type { WebSocketProxy } from './websocket-proxy.ts'
import type { Gateway } from './gateway/gateway.ts'
import type { RequestListener, Server } from 'node:http'

export interface RelayHttpInit {
  appDir: string
  /** Folders whose `*.gguf` files are served at `/models/<file>.gguf`, the first holding a name winning. */
  modelDirs?: readonly string[]
  proxy: WebSocketProxy
  log: Log
  /** Undefined until libp2p has started. */
  health: () => RelayHealth | undefined
  metrics: () => Metric[]
  bootstrap: () => Bootstrap | undefined
  /** Answers the HTTP API paths (`/v1/*`, `/api/*`) by forwarding them to the mesh's verifiers. */
  gateway: Pick<Gateway, 'handle'>
  /** Certificate and key (PEM): serve https and wss instead of http and ws. */
  tls?: { cert: string, key: string }
}

export interface RelayHttpServer {
  server: Server
  requests: () => number
  /** With `tls`: the same server, whose certificate can be swapped (SIGHUP). */
  secure?: SecureContextTarget
}

/**
 * Paths of the HTTP APIs (OpenAI's `/v1/*`, Ollama's `/api/*`): the gateway
 * forwards them to a verifier, and they never get the app's HTML (an SDK
 * pointed at the relay's URL would read a 200 page as nonsense).
 */
export function isApiPath (path: string): boolean {
  return /^\/(v1|api)(\/|$)/.test(path)
}

/** A wildcard address: every interface, so other machines reach the port. */
function isWildcard (address: string): boolean {
  return address === '0.0.0.0' || address === '::'
}

/**
 * The relay's one public port: the PWA, `/health`, `/metrics`, the bootstrap
 * JSON, the model files (`/models/<file>.gguf`), the HTTP API (the gateway),
 * and WebSocket upgrades forwarded to libp2p.
 */
export function createRelayHttpServer (init: RelayHttpInit): RelayHttpServer {
  let requests = 0
  const handler: RequestListener = (request, response) => {
    requests++
    handle().catch((err: unknown) => {
      init.log.warn(`HTTP ${request.method ?? '?'} ${request.url ?? '?'} failed: ${errorMessage(err)}`)
      if (!response.headersSent) {
        sendText(response, 500, 'internal error\n')
      } else {
        response.destroy()
      }
    })

    async function handle (): Promise<void> {
      const path = requestPath(request)
      if (path == null) {
        sendText(response, 400, 'malformed URL\n')
        return
      }
      // Before the method check: SDKs POST.
      if (isApiPath(path)) {
        await init.gateway.handle(request, response, path)
        return
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        sendText(response, 405, 'method not allowed\n', { Allow: 'GET, HEAD' })
        return
      }
      if (path === '/health' || path === '/metrics' || path === BOOTSTRAP_PATH) {
        const health = init.health()
        const bootstrap = init.bootstrap()
        if (health == null || bootstrap == null) {
          sendJson(response, 503, { status: 'starting' })
        } else if (path === '/health') {
          sendJson(response, 200, health)
        } else if (path === '/metrics') {
          sendText(response, 200, renderPrometheus(init.metrics()), { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Cache-Control': 'no-store' })
        } else {
          // Pages served from another origin (a dev server, a static host) read it too.
          sendJson(response, 200, bootstrap, { 'Access-Control-Allow-Origin': '*' })
        }
        return
      }
      if (path.startsWith(MODELS_PREFIX) && init.modelDirs != null) {
        await serveModel(init.modelDirs, path.slice(MODELS_PREFIX.length), request, response)
        return
      }
      await serveApp(init.appDir, path, request, response)
    }
  }
  // Slow clients are cut off (see guardConnections, which the public port adds).
  const httpsServer = init.tls == null ? undefined : createHttpsServer({ ...init.tls, ...GUARDED_SERVER_OPTIONS }, handler)
  const server: Server = httpsServer ?? createServer(GUARDED_SERVER_OPTIONS, handler)
  server.on('listening', () => {
    const address = server.address()
    if (address != null && typeof address === 'object' && isWildcard(address.address)) {
      init.log.info('listening on all interfaces: the app is reachable from your network')
    }
  })
  server.on('upgrade', (request, socket, head) => {
    init.proxy.handleUpgrade(request, socket, head)
  })
  return { server, requests: () => requests, secure: httpsServer }
}
