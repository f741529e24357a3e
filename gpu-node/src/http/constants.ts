/** Largest request body accepted, in bytes; bigger ones get 413. */
export const MAX_BODY_BYTES = 1024 * 1024

/** Longest wait for a whole request body; a client that trickles it gets 408. */
export const BODY_READ_TIMEOUT_MS = 30_000

/**
 * Bytes of an oversized body read and thrown away so the client sees the 413
 * (most clients stop reading once their upload fails); beyond this the
 * connection is cut.
 */
export const MAX_DISCARDED_BODY_BYTES = 16 * MAX_BODY_BYTES

/** Longest `stop` list and longest stop string, as OpenAI allows. */
export const MAX_STOP_SEQUENCES = 4
export const MAX_STOP_LENGTH = 256

/** Most messages in one chat request. */
export const MAX_MESSAGES = 1024

/** Ollama's sampling defaults, used by `/api/*` when the request sets none. */
export const OLLAMA_DEFAULT_TEMPERATURE = 0.8
export const OLLAMA_DEFAULT_TOP_P = 0.9

/** OpenAI's sampling defaults, used by `/v1/*` when the request sets none. */
export const OPENAI_DEFAULT_TEMPERATURE = 1
export const OPENAI_DEFAULT_TOP_P = 1

/** The version `/api/version` reports: Ollama clients check it before they talk. */
export const OLLAMA_COMPATIBLE_VERSION = '0.6.0'
