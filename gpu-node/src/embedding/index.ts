/**
 * Embeddings for `/v1/embeddings`, `/api/embed` and `/api/embeddings`:
 * node-llama-cpp's embedding context on the served model, or on a model of
 * its own (`--embedding-model`). Reference: docs/http-api.md.
 *
 * @example
 * ```ts
 * const embedder = createLlamaEmbedder({ model: verifier.loadedModel, name: verifier.model.name, threads: 2, contextSize: verifier.model.contextLength })
 * const { vectors, promptTokens } = await embedder.embed(['a cat', 'a dog'])
 * await embedder.dispose()
 * ```
 */
export * from './llama-embedder.ts'
export * from './load-embedder.ts'
export * from './types.ts'
