import { MAX_CHAT_STOP_SEQUENCES } from '#protocol'

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

/*
 * The limits of a chat request (messages, stop strings, temperature, tokens)
 * are the protocol's (protocol/limits.ts), enforced alike by the mesh, the
 * HTTP dialects and the verifier; see chat-fields.ts. Only a dialect that is
 * stricter narrows one, here, with its reason.
 */

/**
 * OpenAI's API refuses more than 4 stop sequences (the protocol allows
 * {@link MAX_CHAT_STOP_SEQUENCES}): a request OpenAI would refuse is refused
 * here too, so code written against Shoal keeps working against OpenAI.
 */
export const OPENAI_MAX_STOP_SEQUENCES = Math.min(4, MAX_CHAT_STOP_SEQUENCES)

/** Ollama's sampling defaults, used by `/api/*` when the request sets none. */
export const OLLAMA_DEFAULT_TEMPERATURE = 0.8
export const OLLAMA_DEFAULT_TOP_P = 0.9

/** OpenAI's sampling defaults, used by `/v1/*` when the request sets none. */
export const OPENAI_DEFAULT_TEMPERATURE = 1
export const OPENAI_DEFAULT_TOP_P = 1

/** The version `/api/version` reports: Ollama clients check it before they talk. */
export const OLLAMA_COMPATIBLE_VERSION = '0.6.0'
