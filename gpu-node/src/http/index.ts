/**
 * gpu-node's model APIs over HTTP: OpenAI-compatible `/v1/*` and
 * Ollama-compatible `/api/*`, both answered by the verifier. `api-server.ts`
 * routes requests here; each file holds one concern (body reading, schemas,
 * streaming, errors, metrics). Reference: docs/http-api.md.
 *
 * @example
 * ```ts
 * const metrics = new HttpMetrics()
 * const context: ApiContext = { verifier, embedder, modelDetails, metrics, log, modelCreatedAt: Math.floor(Date.now() / 1000), maxTokensPerRequest: 4096, clientId: 'http:127.0.0.1' }
 * createServer((request, response) => {
 *   handleChatCompletions(context, request, response).catch((err) => {
 *     const error = err instanceof ApiError ? err : verifierErrorToApiError(err)
 *     // write `error` as OpenAI does, or a 500
 *   })
 * })
 * ```
 */
export * from './api-context.ts'
export * from './api-key.ts'
export * from './completion-run.ts'
export * from './completions-handlers.ts'
export * from './constants.ts'
export * from './embeddings-handlers.ts'
export * from './errors.ts'
export * from './http-metrics.ts'
export * from './ollama-handlers.ts'
export * from './ollama-model-info.ts'
export * from './openai-handlers.ts'
