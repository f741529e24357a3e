import { createServer } from 'node:http'
import { z } from 'zod'
import { errorMessage, PROMETHEUS_CONTENT_TYPE, renderPrometheus, requestPath, sendJson, sendJsonError, sendText } from '../../src/lib/server/index.ts'
import type { Log, Metric } from '../../src/lib/server/index.ts'
import type { RelayState } from './relay-connector.ts'
import type { Server } from 'node:http'

/** The body of `GET /health`; clients (tests, monitors, pages) parse it with this schema. */
export const GpuNodeHealth = z.object({
  status: z.literal('ok'),
  peerId: z.string().min(1),
  relay: z.enum(['connecting', 'connected']) satisfies z.ZodType<RelayState>,
  connections: z.number().int().nonnegative(),
  model: z.object({
    name: z.string(),
    loaded: z.boolean(),
    /** `'none'` until a model is loaded. */
    tokenizerFingerprint: z.string()
  }),
  /** Addresses browsers can dial (WebRTC through the relay). */
  addresses: z.array(z.string()),
  uptimeSeconds: z.number().int().nonnegative()
})
export type GpuNodeHealth = z.infer<typeof GpuNodeHealth>

export interface ApiServerInit {
  log: Log
  health: () => GpuNodeHealth
  metrics: () => Metric[]
}

/** Any page may call the API (it is how a browser on another origin reaches a local verifier). */
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Authorization'
}

/** gpu-node's HTTP API: `/health` and `/metrics` for now. */
export function createApiServer (init: ApiServerInit): Server {
  const server = createServer((request, response) => {
    try {
      const path = requestPath(request)
      if (request.method === 'OPTIONS') {
        response.writeHead(204, { ...CORS_HEADERS, 'Access-Control-Max-Age': '600' })
        response.end()
      } else if (path === '/health' && (request.method === 'GET' || request.method === 'HEAD')) {
        sendJson(response, 200, init.health(), CORS_HEADERS)
      } else if (path === '/metrics' && (request.method === 'GET' || request.method === 'HEAD')) {
        sendText(response, 200, renderPrometheus(init.metrics()), { ...CORS_HEADERS, 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Cache-Control': 'no-store' })
      } else if (path === '/health' || path === '/metrics') {
        sendJsonError(response, 405, `${request.method ?? '?'} is not allowed on ${path}`, 'invalid_request_error', { ...CORS_HEADERS, Allow: 'GET, HEAD' })
      } else {
        sendJsonError(response, 404, `no route ${request.method ?? '?'} ${path ?? request.url ?? ''}`, 'not_found_error', CORS_HEADERS)
      }
    } catch (err) {
      init.log.warn(`API ${request.method ?? '?'} ${request.url ?? '?'} failed: ${errorMessage(err)}`)
      if (!response.headersSent) {
        sendJsonError(response, 500, 'internal error', 'server_error', CORS_HEADERS)
      } else {
        response.destroy()
      }
    }
  })
  return server
}
