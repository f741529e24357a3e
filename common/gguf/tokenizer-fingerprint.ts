import { GgufValueType } from './gguf-format.ts'
import type { GgufValue } from './gguf-format.ts'

/** Prefix of every fingerprint, so the algorithm can change without ambiguity. */
export const TOKENIZER_FINGERPRINT_PREFIX = 'sha256:'

/** Bumped if the canonical encoding below ever changes. */
const ENCODING_TAG = 'shoal-tokenizer-fingerprint/1'

/**
 * Identifies a model's tokenizer: `sha256:` + hex SHA-256 over every
 * `tokenizer.ggml.*` metadata entry (model type, pre-tokenizer, tokens, token
 * types, scores, merges, special token ids and flags), keys sorted, values in
 * a canonical form that ignores which integer width a converter chose. The
 * chat template is not part of it. Two models with the same fingerprint map
 * the same ids to the same text, so one can draft for the other.
 *
 * Pure (WebCrypto only): pages compute it the same way as gpu-node.
 *
 * @example
 * ```ts
 * const header = await readGgufHeader(source)
 * const fingerprint = await tokenizerFingerprint(header.metadata) // 'sha256:3f2a...'
 * ```
 */
export async function tokenizerFingerprint (metadata: ReadonlyMap<string, GgufValue>): Promise<string> {
  const parts: Uint8Array[] = []
  const encoder = new TextEncoder()
  const text = (value: string): void => {
    const bytes = encoder.encode(value)
    parts.push(encoder.encode(`${bytes.length}:`), bytes)
  }
  text(ENCODING_TAG)
  const keys = [...metadata.keys()].filter((key) => key.startsWith('tokenizer.ggml.')).sort()
  for (const key of keys) {
    const value = metadata.get(key)
    if (value == null) {
      continue
    }
    text(key)
    if (value.type === GgufValueType.ARRAY) {
      text(`array:${value.value.length}`)
      for (const item of value.value) {
        text(canonicalScalar(item))
      }
    } else {
      text(canonicalScalar(value.value))
    }
  }
  let length = 0
  for (const part of parts) {
    length += part.length
  }
  const all = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    all.set(part, offset)
    offset += part.length
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all))
  return TOKENIZER_FINGERPRINT_PREFIX + Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

function canonicalScalar (value: number | bigint | boolean | string): string {
  switch (typeof value) {
    case 'string': return `s${value}`
    case 'boolean': return value ? 'b1' : 'b0'
    // Integers of any width and floats print the same for the same value.
    case 'bigint': return `n${value.toString()}`
    case 'number': return `n${Object.is(value, -0) ? '0' : String(value)}`
  }
}
