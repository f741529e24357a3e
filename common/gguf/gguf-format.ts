/**
 * The parts of the GGUF file format (version 3) Shoal reads and writes.
 * Spec: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
 *
 * A file is: magic `GGUF`, version (u32), tensor count (u64), metadata count
 * (u64), the metadata key/value pairs, one info record per tensor (name,
 * dimensions, type, offset), padding to `general.alignment`, then the tensor
 * data, each tensor aligned the same way. All numbers are little-endian.
 */

/** `GGUF` read as a little-endian u32. */
export const GGUF_MAGIC = 0x46554747

export const GGUF_VERSION = 3

/** Alignment of the tensor data section when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32

export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12
}

/** Tensor element types Shoal writes (llama.cpp knows many more; the reader accepts any). */
export enum GgmlTensorType {
  F32 = 0,
  F16 = 1
}

/**
 * A metadata value as Shoal keeps it: typed, so writing it back gives the same
 * bytes. Arrays of arrays exist in the format but no model key uses them.
 */
export type GgufValue =
  | { type: GgufValueType.UINT8 | GgufValueType.INT8 | GgufValueType.UINT16 | GgufValueType.INT16 | GgufValueType.UINT32 | GgufValueType.INT32 | GgufValueType.FLOAT32 | GgufValueType.FLOAT64, value: number }
  | { type: GgufValueType.UINT64 | GgufValueType.INT64, value: bigint }
  | { type: GgufValueType.BOOL, value: boolean }
  | { type: GgufValueType.STRING, value: string }
  | { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: string[] }
  | { type: GgufValueType.ARRAY, itemType: Exclude<GgufValueType, GgufValueType.STRING | GgufValueType.ARRAY | GgufValueType.UINT64 | GgufValueType.INT64 | GgufValueType.BOOL>, value: number[] }
  | { type: GgufValueType.ARRAY, itemType: GgufValueType.UINT64 | GgufValueType.INT64, value: bigint[] }
  | { type: GgufValueType.ARRAY, itemType: GgufValueType.BOOL, value: boolean[] }

/** Bytes one item of a fixed-size type takes; undefined for strings and arrays. */
export function fixedValueSize (type: GgufValueType): number | undefined {
  switch (type) {
    case GgufValueType.UINT8: case GgufValueType.INT8: case GgufValueType.BOOL: return 1
    case GgufValueType.UINT16: case GgufValueType.INT16: return 2
    case GgufValueType.UINT32: case GgufValueType.INT32: case GgufValueType.FLOAT32: return 4
    case GgufValueType.UINT64: case GgufValueType.INT64: case GgufValueType.FLOAT64: return 8
    default: return undefined
  }
}

/** Rounds `offset` up to a multiple of `alignment`. */
export function alignOffset (offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment
}

/**
 * Metadata keys llama.cpp needs for a `llama` model; without some of them
 * (`feed_forward_length`, `attention.head_count`) it aborts the whole process
 * instead of failing the load, so they are checked before it sees the file.
 */
export const REQUIRED_LLAMA_KEYS = [
  'llama.context_length',
  'llama.embedding_length',
  'llama.block_count',
  'llama.feed_forward_length',
  'llama.attention.head_count',
  'llama.attention.layer_norm_rms_epsilon'
] as const

export const REQUIRED_TOKENIZER_KEYS = ['tokenizer.ggml.model', 'tokenizer.ggml.tokens'] as const
