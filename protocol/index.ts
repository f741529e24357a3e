/**
 * Shoal's wire protocol, shared by the page, the relay and gpu-node: protocol
 * ids, gossip topics, protobuf messages and their validation (the one chat request schema, in zod).
 * Pure TypeScript: no DOM and no `node:` imports, so all three processes can import it.
 *
 * @example
 * ```ts
 * import { ANNOUNCE_TOPIC, PeerRole, encodeAnnouncement, decodeAnnouncement } from '#protocol'
 *
 * await pubsub.publish(ANNOUNCE_TOPIC, encodeAnnouncement({ role: PeerRole.VERIFIER, agent: AGENT }))
 * const announcement = decodeAnnouncement(message.data) // throws MalformedMessageError
 * ```
 */
export * from './ids.ts'
export * from './limits.ts'
export * from './errors.ts'
export * from './announcement.ts'
export * from './bootstrap.ts'
export * from './gossip.ts'
export * from './announcement-rate.ts'
export * from './chat-request-schema.ts'
export * from './chat.ts'
export * from './chat-continuation.ts'
export * from './warm-prefix.ts'
export * from './tool-call-answer.ts'
export * from './draft.ts'
export * from './receipts.ts'
export * from './receipt-chains.ts'
export * from './receipt-file.ts'
export * from './http-tunnel.ts'
