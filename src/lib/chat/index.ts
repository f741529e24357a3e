/**
 * Chatting with a verifier over the mesh (`/shoal/chat/1.0.0`), from the
 * page. Pure TypeScript, no Svelte: the chat page keeps its own state and
 * feeds it from these events.
 *
 * - {@link pickVerifier} chooses among the verifiers the mesh heard announce
 *   themselves (an empty queue first, then a direct WebRTC connection, then
 *   lower load).
 * - {@link chatWithVerifier} sends the conversation and yields `queued`,
 *   `started`, `delta` and `done` events; abort its signal to stop.
 * - Failures are errors matched by `name`: `ChatError` (with `code`, e.g.
 *   `BUSY` with `retryAfterSeconds`), `VerifierUnreachableError` (nothing
 *   sent: try another verifier), `VerifierGoneError` (the answer broke off:
 *   keep what arrived, mark it incomplete), `AbortError` (you cancelled).
 *
 * @example
 * ```ts
 * import { meshNode } from '$lib/mesh'
 * import { chatWithVerifier, pickVerifier } from '$lib/chat'
 *
 * const mesh = meshNode()
 * const verifier = pickVerifier(mesh.peers)
 * if (mesh.node === undefined || verifier === undefined) throw new Error('no verifier yet')
 * const controller = new AbortController() // controller.abort() on "Stop"
 * let answer = ''
 * try {
 *   for await (const event of chatWithVerifier(mesh.node, verifier.peerId, {
 *     messages: [{ role: 'user', content: 'Hello!' }],
 *     maxTokens: 256
 *   }, { signal: controller.signal })) {
 *     if (event.type === 'queued') status = `queued: ${event.position} ahead, ~${Math.ceil(event.etaMs / 1000)} s`
 *     if (event.type === 'started') status = `${event.model} is answering`
 *     if (event.type === 'delta') answer += event.text
 *     if (event.type === 'done') status = `${event.finishReason}, ${event.usage.completionTokens} tokens`
 *   }
 * } catch (err) {
 *   const name = (err as Error).name
 *   if (name === 'AbortError') status = 'stopped'
 *   else if (name === 'ChatError' && (err as ChatError).code === 'BUSY') status = 'busy, try another verifier'
 *   else if (name === 'VerifierGoneError') status = 'the verifier went away: the answer is incomplete'
 *   else if (name === 'VerifierUnreachableError') status = 'cannot reach that verifier'
 *   else throw err
 * }
 * ```
 */
export { chatWithVerifier } from './chat-client.ts'
export type { ChatNode, ChatOptions, ChatRequestInit } from './chat-client.ts'
export { pickVerifier } from '#mesh-common'
export type { RoutingHint, VerifierCandidate } from '#mesh-common'
export { ChatError, VerifierGoneError, VerifierUnreachableError } from './errors.ts'
export type { ChatErrorCode, ChatErrorOptions } from './errors.ts'
export type { ChatFinishReason, ChatMessage, ChatPrivacy, ChatRole, ChatStreamEvent } from '#protocol'
