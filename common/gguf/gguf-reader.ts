import { alignOffset, fixedValueSize, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufValueType } from './gguf-format.ts'
import type { GgufValue } from './gguf-format.ts'

/**
 * Random access to a file's bytes. Pure interface, so the same parser reads a
 * file on disk (gpu-node) or a `Blob` (a page).
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number
  /** Reads `length` bytes at `offset`; may return fewer only at the end of the source. */
  read: (offset: number, length: number) => Promise<Uint8Array>
}

export interface GgufTensorInfo {
  name: string
  /** ggml order: `dimensions[0]` varies fastest. */
  dimensions: number[]
  /** ggml type id (0 = F32, 1 = F16, ...). */
  type: number
  /** Offset of the data, relative to the data section. */
  offset: number
}

export interface GgufHeader {
  version: number
  metadata: Map<string, GgufValue>
  tensors: GgufTensorInfo[]
  alignment: number
  /** Where the tensor data section starts in the file. */
  dataOffset: number
  fileSize: number
}

/** Bounds that keep a hostile or corrupt header from costing unbounded memory or time. */
export interface GgufReadLimits {
  /** @default 1_000_000 */
  maxTensors: number
  /** @default 100_000 */
  maxMetadataEntries: number
  /** @default 16_000_000 */
  maxArrayItems: number
  /** @default 16 MiB */
  maxStringBytes: number
  /** Most bytes of header (metadata and tensor infos) read in all. @default 512 MiB */
  maxHeaderBytes: number
}

export const DEFAULT_GGUF_READ_LIMITS: GgufReadLimits = {
  maxTensors: 1_000_000,
  maxMetadataEntries: 100_000,
  maxArrayItems: 16_000_000,
  maxStringBytes: 16 * 1024 * 1024,
  maxHeaderBytes: 512 * 1024 * 1024
}

/** The header is not what GGUF says it must be; the message says where. */
export class GgufFormatError extends Error {
  override readonly name = 'GgufFormatError'
}

const WINDOW_BYTES = 1 << 20

/** Sequential little-endian reads over a ByteSource, one window at a time. */
class Cursor {
  #window: Uint8Array = new Uint8Array(0)
  #view: DataView = new DataView(this.#window.buffer)
  #windowStart = 0
  position = 0

  constructor (readonly source: ByteSource, readonly limits: GgufReadLimits) {}

  async #ensure (bytes: number, what: string): Promise<void> {
    if (this.position + bytes > this.source.size) {
      throw new GgufFormatError(`file ends inside ${what} (at byte ${this.position} of ${this.source.size}): truncated`)
    }
    if (this.position + bytes > this.limits.maxHeaderBytes) {
      throw new GgufFormatError(`header is larger than ${this.limits.maxHeaderBytes} bytes`)
    }
    const windowEnd = this.#windowStart + this.#window.length
    if (this.position >= this.#windowStart && this.position + bytes <= windowEnd) {
      return
    }
    const length = Math.min(Math.max(bytes, WINDOW_BYTES), this.source.size - this.position)
    const chunk = await this.source.read(this.position, length)
    if (chunk.length < bytes) {
      throw new GgufFormatError(`file ends inside ${what}: truncated`)
    }
    this.#window = chunk
    this.#view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    this.#windowStart = this.position
  }

  async #take (bytes: number, what: string): Promise<number> {
    await this.#ensure(bytes, what)
    const at = this.position - this.#windowStart
    this.position += bytes
    return at
  }

  // Each read awaits the window first: `this.#view` may be replaced by that await.
  async u8 (what: string): Promise<number> { const at = await this.#take(1, what); return this.#view.getUint8(at) }
  async i8 (what: string): Promise<number> { const at = await this.#take(1, what); return this.#view.getInt8(at) }
  async u16 (what: string): Promise<number> { const at = await this.#take(2, what); return this.#view.getUint16(at, true) }
  async i16 (what: string): Promise<number> { const at = await this.#take(2, what); return this.#view.getInt16(at, true) }
  async u32 (what: string): Promise<number> { const at = await this.#take(4, what); return this.#view.getUint32(at, true) }
  async i32 (what: string): Promise<number> { const at = await this.#take(4, what); return this.#view.getInt32(at, true) }
  async f32 (what: string): Promise<number> { const at = await this.#take(4, what); return this.#view.getFloat32(at, true) }
  async f64 (what: string): Promise<number> { const at = await this.#take(8, what); return this.#view.getFloat64(at, true) }
  async u64 (what: string): Promise<bigint> { const at = await this.#take(8, what); return this.#view.getBigUint64(at, true) }
  async i64 (what: string): Promise<bigint> { const at = await this.#take(8, what); return this.#view.getBigInt64(at, true) }

  /** A u64 that must fit a JS number and be at most `max`. */
  async count (what: string, max: number): Promise<number> {
    const value = await this.u64(what)
    if (value > BigInt(max)) {
      throw new GgufFormatError(`${what} is ${value}, more than the ${max} allowed`)
    }
    return Number(value)
  }

  async string (what: string): Promise<string> {
    const length = await this.count(`length of ${what}`, this.limits.maxStringBytes)
    const at = await this.#take(length, what)
    return new TextDecoder('utf-8', { fatal: false }).decode(this.#window.subarray(at, at + length))
  }
}

function isValueType (type: number): type is GgufValueType {
  return Number.isInteger(type) && type >= GgufValueType.UINT8 && type <= GgufValueType.FLOAT64
}

async function readScalar (cursor: Cursor, type: GgufValueType, what: string): Promise<number | bigint | boolean | string> {
  switch (type) {
    case GgufValueType.UINT8: return cursor.u8(what)
    case GgufValueType.INT8: return cursor.i8(what)
    case GgufValueType.UINT16: return cursor.u16(what)
    case GgufValueType.INT16: return cursor.i16(what)
    case GgufValueType.UINT32: return cursor.u32(what)
    case GgufValueType.INT32: return cursor.i32(what)
    case GgufValueType.FLOAT32: return cursor.f32(what)
    case GgufValueType.FLOAT64: return cursor.f64(what)
    case GgufValueType.BOOL: {
      const byte = await cursor.u8(what)
      if (byte > 1) {
        throw new GgufFormatError(`${what} is a bool of value ${byte}`)
      }
      return byte === 1
    }
    case GgufValueType.UINT64: return cursor.u64(what)
    case GgufValueType.INT64: return cursor.i64(what)
    case GgufValueType.STRING: return cursor.string(what)
    case GgufValueType.ARRAY: throw new GgufFormatError(`${what}: arrays of arrays are not supported`)
  }
}

async function readValue (cursor: Cursor, type: number, what: string): Promise<GgufValue> {
  if (!isValueType(type)) {
    throw new GgufFormatError(`${what} has unknown value type ${type}`)
  }
  if (type !== GgufValueType.ARRAY) {
    const value = await readScalar(cursor, type, what)
    // Pairs type and value as GgufValue declares; readScalar returns the matching JS type for each.
    return { type, value } as GgufValue
  }
  const itemType = await cursor.u32(`item type of ${what}`)
  if (!isValueType(itemType) || itemType === GgufValueType.ARRAY) {
    throw new GgufFormatError(`${what} has unsupported item type ${itemType}`)
  }
  const count = await cursor.count(`item count of ${what}`, cursor.limits.maxArrayItems)
  const itemBytes = fixedValueSize(itemType) ?? 8
  if (cursor.position + count * itemBytes > cursor.source.size) {
    throw new GgufFormatError(`${what} declares ${count} items, more than the file holds: truncated or corrupt`)
  }
  const items: Array<number | bigint | boolean | string> = []
  for (let index = 0; index < count; index++) {
    items.push(await readScalar(cursor, itemType, what))
  }
  return { type, itemType, value: items } as GgufValue
}

/**
 * Reads a GGUF file's header: version, metadata and tensor infos. Every length
 * is checked against the file size and `limits` before anything is allocated.
 *
 * @throws {GgufFormatError} when the bytes are not a GGUF v2/v3 header
 */
export async function readGgufHeader (source: ByteSource, limits: GgufReadLimits = DEFAULT_GGUF_READ_LIMITS): Promise<GgufHeader> {
  const cursor = new Cursor(source, limits)
  if (source.size < 4) {
    throw new GgufFormatError(`file is ${source.size} bytes long, too short for a GGUF header`)
  }
  const magic = await cursor.u32('magic')
  if (magic !== GGUF_MAGIC) {
    const bytes = [magic & 0xff, (magic >> 8) & 0xff, (magic >> 16) & 0xff, (magic >>> 24) & 0xff]
    const shown = bytes.every((byte) => byte >= 0x20 && byte < 0x7f) ? `"${String.fromCharCode(...bytes)}"` : `0x${bytes.map((byte) => byte.toString(16).padStart(2, '0')).join('')}`
    throw new GgufFormatError(`not a GGUF file (starts with ${shown}, expected "GGUF")`)
  }
  const version = await cursor.u32('version')
  if (version !== 2 && version !== 3) {
    throw new GgufFormatError(`GGUF version ${version} is not supported (expected 3)`)
  }
  const tensorCount = await cursor.count('tensor count', limits.maxTensors)
  const metadataCount = await cursor.count('metadata count', limits.maxMetadataEntries)
  const metadata = new Map<string, GgufValue>()
  for (let index = 0; index < metadataCount; index++) {
    const key = await cursor.string(`metadata key #${index}`)
    const type = await cursor.u32(`type of ${key}`)
    if (metadata.has(key)) {
      throw new GgufFormatError(`metadata key ${key} appears twice`)
    }
    metadata.set(key, await readValue(cursor, type, key))
  }
  const tensors: GgufTensorInfo[] = []
  for (let index = 0; index < tensorCount; index++) {
    const name = await cursor.string(`name of tensor #${index}`)
    const dimensionCount = await cursor.u32(`dimension count of ${name}`)
    if (dimensionCount < 1 || dimensionCount > 4) {
      throw new GgufFormatError(`tensor ${name} has ${dimensionCount} dimensions (1 to 4 allowed)`)
    }
    const dimensions: number[] = []
    for (let dimension = 0; dimension < dimensionCount; dimension++) {
      dimensions.push(await cursor.count(`dimension ${dimension} of ${name}`, Number.MAX_SAFE_INTEGER))
    }
    const type = await cursor.u32(`type of ${name}`)
    const offset = await cursor.count(`offset of ${name}`, Number.MAX_SAFE_INTEGER)
    tensors.push({ name, dimensions, type, offset })
  }
  const alignmentValue = metadata.get('general.alignment')
  const alignment = alignmentValue?.type === GgufValueType.UINT32 ? alignmentValue.value : GGUF_DEFAULT_ALIGNMENT
  if (alignment < 1 || (alignment & (alignment - 1)) !== 0) {
    throw new GgufFormatError(`general.alignment is ${alignment}, not a power of two`)
  }
  return { version, metadata, tensors, alignment, dataOffset: alignOffset(cursor.position, alignment), fileSize: source.size }
}

/** Block size (elements) and bytes per block of ggml types whose sizes Shoal checks; others are only checked to start inside the file. */
const TENSOR_TYPE_SIZES = new Map<number, [elements: number, bytes: number]>([
  [0, [1, 4]], // F32
  [1, [1, 2]], // F16
  [2, [32, 18]], // Q4_0
  [3, [32, 20]], // Q4_1
  [6, [32, 22]], // Q5_0
  [7, [32, 24]], // Q5_1
  [8, [32, 34]], // Q8_0
  [10, [256, 84]], // Q2_K
  [11, [256, 110]], // Q3_K
  [12, [256, 144]], // Q4_K
  [13, [256, 176]], // Q5_K
  [14, [256, 210]], // Q6_K
  [30, [1, 2]] // BF16
])

/** Bytes of a tensor's data, when its type is one Shoal knows the size of. */
export function tensorDataBytes (tensor: GgufTensorInfo): number | undefined {
  const size = TENSOR_TYPE_SIZES.get(tensor.type)
  if (size == null) {
    return undefined
  }
  const elements = tensor.dimensions.reduce((product, dimension) => product * dimension, 1)
  return Math.ceil(elements / size[0]) * size[1]
}

/** Reads a metadata value as a string, or undefined when absent or of another type. */
export function metadataString (metadata: ReadonlyMap<string, GgufValue>, key: string): string | undefined {
  const value = metadata.get(key)
  return value?.type === GgufValueType.STRING ? value.value : undefined
}

/** Reads a metadata value as a number (any numeric type), or undefined. */
export function metadataNumber (metadata: ReadonlyMap<string, GgufValue>, key: string): number | undefined {
  const value = metadata.get(key)
  if (value == null || value.type === GgufValueType.STRING || value.type === GgufValueType.ARRAY || value.type === GgufValueType.BOOL) {
    return undefined
  }
  return Number(value.value)
}

/** Reads a metadata array of strings, or undefined. */
export function metadataStrings (metadata: ReadonlyMap<string, GgufValue>, key: string): string[] | undefined {
  const value = metadata.get(key)
  return value?.type === GgufValueType.ARRAY && value.itemType === GgufValueType.STRING ? value.value : undefined
}
