/** Size and time bounds every peer enforces on what it reads from the network. */

/** Largest announcement accepted from gossip, in bytes. */
export const MAX_ANNOUNCEMENT_BYTES = 4096

/** Most addresses an announcement may carry. */
export const MAX_ANNOUNCED_ADDRESSES = 16

/** Longest string field (model name, agent, address) in an announcement. */
export const MAX_ANNOUNCEMENT_FIELD_LENGTH = 512

/** Largest model context an announcement may claim, in tokens (today's largest models hold about 10 million). */
export const MAX_ANNOUNCED_CONTEXT_LENGTH = 16_777_216

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

/** Largest `ChatRequest` a verifier reads, in bytes (the whole conversation travels in it). */
export const MAX_CHAT_REQUEST_BYTES = 256 * 1024

/** Largest `ChatEvent` a client reads, in bytes. */
export const MAX_CHAT_EVENT_BYTES = 64 * 1024

/** Largest `ChatControl` a verifier reads, in bytes. */
export const MAX_CHAT_CONTROL_BYTES = 64

/** Most messages (turns) in one chat request. */
export const MAX_CHAT_MESSAGES = 512

/** Most stop strings in one chat request. */
export const MAX_CHAT_STOP_SEQUENCES = 8

/** Longest stop string, in characters. */
export const MAX_CHAT_STOP_LENGTH = 256

/** Longest request id, in characters. */
export const MAX_CHAT_REQUEST_ID_LENGTH = 64

/** Most tokens a chat request may ask for; the verifier may enforce less (LIMIT). */
export const MAX_CHAT_MAX_TOKENS = 32_768

/** Highest sampling temperature accepted. */
export const MAX_CHAT_TEMPERATURE = 2

/** The request must arrive within this long after the stream opens. */
export const CHAT_REQUEST_TIMEOUT_MS = 10_000

/**
 * Longest a verifier waits for the client to take one event (backpressure);
 * a client that stops reading for longer is dropped and its chat cancelled.
 */
export const CHAT_WRITE_TIMEOUT_MS = 30_000

/**
 * Longest a client waits for the next event. Verifiers send `queued` again
 * while a chat waits, so silence this long means the verifier is gone.
 */
export const CHAT_EVENT_TIMEOUT_MS = 60_000

/** How often a verifier repeats `queued` while a chat waits, so the client knows it is alive. */
export const CHAT_QUEUED_HEARTBEAT_MS = 15_000

/** Largest message a drafter reads from a verifier, in bytes (a job's opening carries its whole context). */
export const MAX_DRAFT_TO_DRAFTER_BYTES = 256 * 1024

/** Largest message a verifier reads from a drafter, in bytes. */
export const MAX_DRAFT_TO_VERIFIER_BYTES = 2048

/** Most tokens in one draft batch. */
export const MAX_DRAFT_BATCH_TOKENS = 64

/** Most tokens a verifier asks a drafter to draft past the last verified one. */
export const MAX_DRAFT_LOOKAHEAD = 64

/** Most jobs a drafter may offer to hold at once. */
export const MAX_DRAFT_JOBS = 64

/** The drafter's hello must arrive within this long after the stream opens. */
export const DRAFT_HELLO_TIMEOUT_MS = 10_000

/** Largest receipt body; a real one is a few hundred bytes. */
export const MAX_RECEIPT_BYTES = 4096

/**
 * Most receipts a drafter may ask to have sent again in one hello (holes it
 * lists), and most a verifier sends again for one hello in all: a chain
 * longer behind than this heals over several draft sessions.
 */
export const MAX_RESENT_RECEIPTS = 64

/** Most drafters one served receipt names. */
export const MAX_RECEIPT_DRAFTERS = 16

/** Most receipts a chat request may present for priority (the newest are worth presenting). */
export const MAX_PRESENTED_RECEIPTS = 16

/** Most inputs one embeddings request may carry (OpenAI's limit too); each must fit the embedding model's context. */
export const MAX_EMBEDDING_INPUTS = 2048

/** Most tokens of an answer a chat request may ask a verifier to continue (the longest answer it can ask for). */
export const MAX_CHAT_CONTINUATION_TOKENS = MAX_CHAT_MAX_TOKENS

/** Longest fingerprint a continuation names its tokenizer by (announcements bound theirs alike). */
export const MAX_CHAT_CONTINUATION_FINGERPRINT_LENGTH = 512

/** Most warm-prefix hashes an announcement may carry (a verifier holds one per sequence). */
export const MAX_ANNOUNCED_WARM_PREFIXES = 64

/** Longest warm key a chat request may carry, in characters. */
export const MAX_CHAT_WARM_KEY_LENGTH = 64

/** Most a chat's logit bias may add to a token's logit, or take (OpenAI's bound). */
export const MAX_CHAT_LOGIT_BIAS = 100

/** Most tokens a chat's logit bias may name (OpenAI's limit). */
export const MAX_CHAT_LOGIT_BIAS_TOKENS = 300

/** Most tools (functions) one chat request may offer the model. */
export const MAX_CHAT_TOOLS = 32

/** Longest tool name, in characters (OpenAI's limit too). */
export const MAX_CHAT_TOOL_NAME_LENGTH = 64

/** Longest JSON schema (of a response format or one tool's parameters), as JSON text. */
export const MAX_CHAT_SCHEMA_LENGTH = 16 * 1024

/** Longest tool description, in characters. */
export const MAX_CHAT_TOOL_DESCRIPTION_LENGTH = 4096

/** Most tool calls one assistant message may carry. */
export const MAX_CHAT_TOOL_CALLS = 16

/** Longest tool call id, in characters. */
export const MAX_CHAT_TOOL_CALL_ID_LENGTH = 64

/** Largest head (method, path, headers; or status and headers) of a tunnelled HTTP exchange, in bytes. */
export const MAX_HTTP_TUNNEL_HEAD_BYTES = 8 * 1024

/** Largest body frame of a tunnelled HTTP exchange, in bytes (a bigger body goes in several). */
export const MAX_HTTP_TUNNEL_FRAME_BYTES = 64 * 1024

/** Largest request body a gateway forwards (gpu-node's own HTTP limit too), in bytes. */
export const MAX_HTTP_TUNNEL_BODY_BYTES = 1024 * 1024

/** The request's head and body must arrive within this long after the tunnel stream opens. */
export const HTTP_TUNNEL_REQUEST_TIMEOUT_MS = 30_000

/**
 * Longest a gateway waits for the response's head. A chat queued at a busy
 * verifier gets its head only once it starts, so this is generous.
 */
export const HTTP_TUNNEL_RESPONSE_TIMEOUT_MS = 120_000

/** Most tunnelled exchanges at once on one connection (relay to verifier), each way. */
export const MAX_HTTP_TUNNEL_STREAMS = 1024

/**
 * Circuits a relay opens at once to one peer holding a reservation, and a
 * verifier accepts on each relay connection (circuit-relay-v2 allows 300
 * stop streams per connection by default, on both ends): a verifier behind
 * one relay holds this many pages that have not (yet) upgraded to WebRTC.
 * Below yamux's 1,000 streams per connection, with room for the
 * connection's own protocols.
 */
export const MAX_CIRCUITS_PER_RESERVATION = 900
