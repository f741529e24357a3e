import type { Metric } from '#server'
import type { Usage } from '../verifier/types.ts'
import type { ServerResponse } from 'node:http'

/**
 * Routes as metric labels: a fixed set, so a client probing random paths
 * cannot grow the label space.
 */
export const ROUTE_LABELS = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/models', '/api/chat', '/api/generate', '/api/embed', '/api/embeddings', '/api/show', '/api/ps', '/api/tags', '/api/version', '/health', '/metrics', 'other'] as const
export type RouteLabel = typeof ROUTE_LABELS[number]

/** Monitoring routes are not counted as in flight (a scrape would count itself). */
const MONITORING: ReadonlySet<RouteLabel> = new Set(['/health', '/metrics'])

/**
 * Status recorded for a request whose client left before any response was
 * sent (nginx's convention).
 */
export const CLIENT_CLOSED_STATUS = 499

/** Counters for gpu-node's HTTP API, rendered into `/metrics`. */
export class HttpMetrics {
  readonly #requests = new Map<string, { route: RouteLabel, status: number, count: number }>()
  #inFlight = 0
  #promptTokens = 0
  #completionTokens = 0
  #completions = 0
  #cancelled = 0

  /** Counts `request` under `route` from now until its response closes. */
  track (route: RouteLabel, response: ServerResponse): void {
    const counted = !MONITORING.has(route)
    if (counted) {
      this.#inFlight++
    }
    let closed = false
    const onClose = (): void => {
      if (closed) {
        return
      }
      closed = true
      if (counted) {
        this.#inFlight--
      }
      const status = response.headersSent ? response.statusCode : CLIENT_CLOSED_STATUS
      const key = `${route} ${status}`
      const entry = this.#requests.get(key) ?? { route, status, count: 0 }
      entry.count++
      this.#requests.set(key, entry)
    }
    response.once('close', onClose)
  }

  /** Records a completion that ended with a `done` event. */
  completed (usage: Usage, finishReason: string): void {
    this.#completions++
    this.#promptTokens += usage.promptTokens
    this.#completionTokens += usage.completionTokens
    if (finishReason === 'cancelled') {
      this.#cancelled++
    }
  }

  /** Records a completion stopped before its `done` event (its client left). */
  cancelled (): void {
    this.#completions++
    this.#cancelled++
  }

  metrics (): Metric[] {
    return [
      { name: 'shoal_gpu_node_http_requests_in_flight', help: 'HTTP API requests being served (not counting /health and /metrics).', type: 'gauge', value: this.#inFlight },
      ...[...this.#requests.values()].map(({ route, status, count }): Metric => ({
        name: 'shoal_gpu_node_http_requests_total',
        help: 'HTTP requests answered, by route and status (499: the client left before the response).',
        type: 'counter',
        value: count,
        labels: { route, status: String(status) }
      })),
      { name: 'shoal_gpu_node_http_completions_total', help: 'Completions the HTTP API ran to the end or cancelled.', type: 'counter', value: this.#completions },
      { name: 'shoal_gpu_node_http_completions_cancelled_total', help: 'HTTP completions cancelled, mostly by clients disconnecting.', type: 'counter', value: this.#cancelled },
      { name: 'shoal_gpu_node_http_prompt_tokens_total', help: 'Prompt tokens of HTTP completions.', type: 'counter', value: this.#promptTokens },
      { name: 'shoal_gpu_node_http_completion_tokens_total', help: 'Tokens generated for HTTP completions.', type: 'counter', value: this.#completionTokens }
    ]
  }
}
