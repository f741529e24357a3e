/**
 * The verifier: completes chats with the target model (node-llama-cpp),
 * several at once in one batched context, behind a bounded queue with
 * per-client limits. The mesh chat handler and the HTTP APIs use it through
 * the `Verifier` interface (`types.ts`); errors (`errors.ts`) are matched by
 * `name`.
 *
 * @example
 * ```ts
 * const verifier = await createLlamaVerifier({ modelPath, threads: 2, capacity: 4, queueSize: 32, perClientMaxConcurrent: 2, perClientMaxTokens: 4096 })
 * const request = { messages: [{ role: 'user', content: 'Hi' }], maxTokens: 64, temperature: 0, topP: 1, stop: [], clientId: 'peer-or-key' }
 * for await (const event of verifier.complete(request, { signal })) {
 *   if (event.type === 'queued') console.log(`#${event.position}, ~${event.etaMs} ms`)
 *   if (event.type === 'delta') process.stdout.write(event.text)
 *   if (event.type === 'done') console.log(event.finishReason, event.usage, event.timings)
 * }
 * ```
 */
export * from './types.ts'
export * from './errors.ts'
export { createLlamaVerifier, LlamaVerifier } from './llama-verifier.ts'
export type { LlamaVerifierInit, VerifierStats } from './llama-verifier.ts'
export { verifierMetrics } from './metrics.ts'
