/**
 * Mesh behaviour every Shoal peer shares (the page, the relay and gpu-node)
 * that is not wire format: announcing oneself on gossip, and the retry timing
 * used when a peer or relay is unreachable. Pure TypeScript: no DOM and no
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
