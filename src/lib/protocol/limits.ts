/** Size and time bounds every peer enforces on what it reads from the network. */

/** Largest announcement accepted from gossip, in bytes. */
export const MAX_ANNOUNCEMENT_BYTES = 4096

/** Most addresses an announcement may carry. */
export const MAX_ANNOUNCED_ADDRESSES = 16

/** Longest string field (model name, agent, address) in an announcement. */
export const MAX_ANNOUNCEMENT_FIELD_LENGTH = 512

/** Announcements older than this (by the sender's clock) are stale and dropped. */
export const ANNOUNCEMENT_MAX_AGE_MS = 60_000

/** Announcements dated further than this in the future are rejected (clock skew allowance). */
export const ANNOUNCEMENT_MAX_FUTURE_MS = 30_000

/** How often peers publish their announcement. */
export const ANNOUNCE_INTERVAL_MS = 3_000

/** A peer not heard from for this long is dropped from the peer table. */
export const PEER_EXPIRY_MS = 15_000

/** Largest probe payload echoed back, in bytes. */
export const MAX_PROBE_BYTES = 1024

/** Deadline for reading one probe reply. */
export const PROBE_READ_TIMEOUT_MS = 5_000
