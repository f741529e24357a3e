import { MalformedMessageError, StaleMessageError } from './errors.ts'
import {
  ANNOUNCEMENT_MAX_AGE_MS,
  ANNOUNCEMENT_MAX_FUTURE_MS,
  MAX_ANNOUNCED_ADDRESSES,
  MAX_ANNOUNCED_CONTEXT_LENGTH,
  MAX_ANNOUNCED_WARM_PREFIXES,
  MAX_ANNOUNCEMENT_BYTES,
  MAX_ANNOUNCEMENT_FIELD_LENGTH
} from './limits.ts'
import { Announcement, PeerRole } from './messages.ts'
import { WARM_PREFIX_PATTERN } from './warm-prefix.ts'

export { Announcement, PeerRole }

/** What a peer says about itself, in the form the rest of Shoal uses. */
export interface AnnouncementInit {
  role: PeerRole
  agent: string
  model?: string
  tokenizerFingerprint?: string
  queueDepth?: number
  capacity?: number
  addresses?: string[]
  /** A browser contributing drafts. */
  drafting?: boolean
  /** Tokens the served model's context holds; 0 or absent when unknown. */
  contextLength?: number
  /** A verifier's warm conversations (see warm-prefix.ts), most recent first. */
  warmPrefixes?: string[]
  /** Requests a verifier runs now. */
  running?: number
  /** Most requests that may wait at a verifier; 0 or absent when unknown. */
  queueSize?: number
}

/** Encodes an announcement stamped with `now` (ms since the epoch). */
export function encodeAnnouncement (init: AnnouncementInit, now: number = Date.now()): Uint8Array {
  const announcement: Announcement = {
    role: init.role,
    agent: init.agent,
    model: init.model ?? '',
    tokenizerFingerprint: init.tokenizerFingerprint ?? '',
    queueDepth: init.queueDepth ?? 0,
    capacity: init.capacity ?? 0,
    addresses: init.addresses ?? [],
    drafting: init.drafting ?? false,
    contextLength: init.contextLength ?? 0,
    warmPrefixes: init.warmPrefixes ?? [],
    running: init.running ?? 0,
    queueSize: init.queueSize ?? 0,
    sentAtMs: BigInt(Math.floor(now))
  }
  assertWellFormed(announcement)
  return Announcement.encode(announcement)
}

/**
 * Decodes and checks an announcement read from gossip.
 *
 * @throws {MalformedMessageError} when the bytes are not a well-formed announcement
 * @throws {StaleMessageError} when it is too old or dated too far in the future
 */
export function decodeAnnouncement (bytes: Uint8Array, now: number = Date.now()): Announcement {
  if (bytes.byteLength > MAX_ANNOUNCEMENT_BYTES) {
    throw new MalformedMessageError(`announcement is ${bytes.byteLength} bytes, more than ${MAX_ANNOUNCEMENT_BYTES}`)
  }
  let announcement: Announcement
  try {
    announcement = Announcement.decode(bytes, {
      limits: { addresses: MAX_ANNOUNCED_ADDRESSES, warmPrefixes: MAX_ANNOUNCED_WARM_PREFIXES }
    })
  } catch (err) {
    throw new MalformedMessageError(`announcement does not decode: ${(err as Error).message}`)
  }
  assertWellFormed(announcement)
  const sentAt = Number(announcement.sentAtMs)
  if (sentAt < now - ANNOUNCEMENT_MAX_AGE_MS) {
    throw new StaleMessageError(`announcement is ${Math.round((now - sentAt) / 1000)} s old`)
  }
  if (sentAt > now + ANNOUNCEMENT_MAX_FUTURE_MS) {
    throw new StaleMessageError(`announcement is dated ${Math.round((sentAt - now) / 1000)} s in the future`)
  }
  return announcement
}

function assertWellFormed (announcement: Announcement): void {
  if (announcement.role === PeerRole.ROLE_UNSPECIFIED || !Object.values(PeerRole).includes(announcement.role)) {
    throw new MalformedMessageError('announcement has no known role')
  }
  if (announcement.agent === '') {
    throw new MalformedMessageError('announcement has no agent')
  }
  const strings = [announcement.agent, announcement.model, announcement.tokenizerFingerprint, ...announcement.addresses]
  if (strings.some((value) => value.length > MAX_ANNOUNCEMENT_FIELD_LENGTH)) {
    throw new MalformedMessageError(`announcement has a field longer than ${MAX_ANNOUNCEMENT_FIELD_LENGTH} characters`)
  }
  if (announcement.addresses.length > MAX_ANNOUNCED_ADDRESSES) {
    throw new MalformedMessageError(`announcement has more than ${MAX_ANNOUNCED_ADDRESSES} addresses`)
  }
  if (announcement.addresses.some((address) => !address.startsWith('/'))) {
    throw new MalformedMessageError('announcement has an address that is not a multiaddr')
  }
  if (announcement.capacity > 1_000_000 || announcement.queueDepth > 1_000_000 || announcement.running > 1_000_000 || announcement.queueSize > 1_000_000) {
    throw new MalformedMessageError('announcement has an implausible queue depth, queue size, capacity or running count')
  }
  if (announcement.warmPrefixes.length > MAX_ANNOUNCED_WARM_PREFIXES) {
    throw new MalformedMessageError(`announcement has more than ${MAX_ANNOUNCED_WARM_PREFIXES} warm prefixes`)
  }
  if (announcement.warmPrefixes.some((hash) => !WARM_PREFIX_PATTERN.test(hash))) {
    throw new MalformedMessageError('announcement has a warm prefix that is not 16 lowercase hex characters')
  }
  if (announcement.contextLength > MAX_ANNOUNCED_CONTEXT_LENGTH) {
    throw new MalformedMessageError(`announcement has a context length above ${MAX_ANNOUNCED_CONTEXT_LENGTH} tokens`)
  }
}
