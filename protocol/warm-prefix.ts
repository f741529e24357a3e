import { sha256Hex } from './receipts.ts'

/**
 * Which conversations a verifier holds warm, told without telling them.
 * After answering, a verifier keeps the conversation's KV cache in its
 * sequence and announces a short hash of (the asker's warm key, the
 * conversation with its answer). The page, which alone knows the key of
 * its conversation (random, sent only to the verifiers it chats with),
 * hashes its conversation so far the same way and sends the next turn to
 * the verifier announcing it: that verifier evaluates only the new turn.
 * Anyone else on gossip sees opaque hex, and cannot test a guessed
 * conversation without the key.
 */

/** Hex characters of a warm-prefix hash: 64 bits, enough to tell a verifier's few dozen conversations apart. */
export const WARM_PREFIX_HASH_LENGTH = 16

export const WARM_PREFIX_PATTERN = /^[0-9a-f]{16}$/

/** The warm-prefix hash of `messages` (a whole conversation, ending with an answer) under `warmKey`. */
export async function warmPrefixHash (warmKey: string, messages: ReadonlyArray<{ role: string, content: string }>): Promise<string> {
  const hash = await sha256Hex(JSON.stringify([warmKey, messages.map((message) => [message.role, message.content])]))
  return hash.slice(0, WARM_PREFIX_HASH_LENGTH)
}
