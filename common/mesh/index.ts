/**
 * Mesh behaviour every Shoal peer shares (the page, the relay and gpu-node)
 * that is not wire format: announcing oneself on gossip, the retry timing
 * used when a peer or relay is unreachable, and choosing the verifier a
 * request goes to (the page's chats and the relay's HTTP gateway alike). Pure TypeScript: no DOM and no
 * `node:` imports.
 *
 * @example
 * ```ts
 * import { Announcer, backoffDelay, sleep } from '#mesh-common'
 *
 * const announcer = new Announcer({ pubsub, describe: () => ({ role: PeerRole.VERIFIER, agent: AGENT }) })
 * announcer.start()
 * await sleep(backoffDelay(attempt), signal)
 * ```
 */
export * from './announcer.ts'
export * from './backoff.ts'
export * from './stream-errors.ts'
export * from './ice-server-cache.ts'
export * from './pick-verifier.ts'
