import fc from 'fast-check'
import type { Arbitrary } from 'fast-check'

/**
 * Edits that break encodings where decoders are weakest: lengths (varints
 * grown to 2^35, truncation), tags (flipped bits, boundary bytes) and
 * repetition (a field spliced in again, so counts grow past limits).
 */
type ByteEdit =
  | { kind: 'flip', at: number, bit: number }
  | { kind: 'set', at: number, value: number }
  | { kind: 'insert', at: number, bytes: Uint8Array }
  | { kind: 'delete', at: number, length: number }
  | { kind: 'truncate', at: number }
  | { kind: 'repeat', at: number, length: number, times: number }

const BOUNDARY_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]
/** A varint of 2^35 - 1: an absurd length or count wherever one is read. */
const HUGE_VARINT = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x7f])

const byteEdit: Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(...BOUNDARY_BYTES) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.constant(HUGE_VARINT)) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 2, max: 300 }) })
)

function applyEdit (bytes: Uint8Array, edit: ByteEdit): Uint8Array {
  const at = bytes.length === 0 ? 0 : edit.at % (bytes.length + 1)
  switch (edit.kind) {
    case 'flip':
    case 'set': {
      if (bytes.length === 0) {
        return bytes
      }
      const out = bytes.slice()
      const index = at % bytes.length
      out[index] = edit.kind === 'flip' ? (out[index] ?? 0) ^ (1 << edit.bit) : edit.value
      return out
    }
    case 'insert':
      return concat(bytes.subarray(0, at), edit.bytes, bytes.subarray(at))
    case 'delete':
      return concat(bytes.subarray(0, at), bytes.subarray(at + edit.length))
    case 'truncate':
      return bytes.subarray(0, at)
    case 'repeat': {
      const piece = bytes.subarray(at, at + edit.length)
      return concat(bytes.subarray(0, at), ...Array.from({ length: edit.times }, () => piece), bytes.subarray(at))
    }
  }
}

function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/**
 * Byte inputs for a decoder: mostly its valid `seeds` with one to eight
 * edits, some seeds untouched (so acceptance is exercised too), some noise.
 */
export function bytesFrom (seeds: readonly Uint8Array[]): Arbitrary<Uint8Array> {
  const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(byteEdit, { minLength: 1, maxLength: 8 }))
    .map(([seed, edits]) => edits.reduce(applyEdit, seed))
  return fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 1, arbitrary: fc.constantFrom(...seeds) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) }
  )
}

/** Text inputs: the UTF-8 bytes of `seeds`, edited, read back as text. */
export function textFrom (seeds: readonly string[]): Arbitrary<string> {
  const encoder = new TextEncoder()
  const decoder = new TextDecoder()
  return bytesFrom(seeds.map((seed) => encoder.encode(seed))).map((bytes) => decoder.decode(bytes))
}
