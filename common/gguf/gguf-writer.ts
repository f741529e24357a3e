import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { alignOffset, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, GgmlTensorType, GgufValueType } from './gguf-format.ts'
import type { GgufValue } from './gguf-format.ts'

/** One F32 tensor to write. */
export interface GgufTensorSpec {
  name: string
  /** ggml order: `dimensions[0]` varies fastest (e.g. `[n_embd, n_vocab]` for `token_embd`). */
  dimensions: number[]
  /** The values, made when the tensor is written so a large model never sits in memory at once. */
  data: () => Float32Array
}

export interface GgufFileSpec {
  /** Key/value pairs in the order they are written. */
  metadata: Array<[string, GgufValue]>
  tensors: GgufTensorSpec[]
  /**
   * Alignment of tensor data; written as `general.alignment` when not the default.
   *
   * @default 32
   */
  alignment?: number
}

/** Grows a byte buffer as values are appended; little-endian like GGUF. */
class ByteWriter {
  #buffer = new Uint8Array(1 << 16)
  #view = new DataView(this.#buffer.buffer)
  length = 0

  #reserve (bytes: number): void {
    if (this.length + bytes <= this.#buffer.length) {
      return
    }
    let size = this.#buffer.length * 2
    while (size < this.length + bytes) {
      size *= 2
    }
    const next = new Uint8Array(size)
    next.set(this.#buffer.subarray(0, this.length))
    this.#buffer = next
    this.#view = new DataView(next.buffer)
  }

  u8 (value: number): void { this.#reserve(1); this.#view.setUint8(this.length, value); this.length += 1 }
  i8 (value: number): void { this.#reserve(1); this.#view.setInt8(this.length, value); this.length += 1 }
  u16 (value: number): void { this.#reserve(2); this.#view.setUint16(this.length, value, true); this.length += 2 }
  i16 (value: number): void { this.#reserve(2); this.#view.setInt16(this.length, value, true); this.length += 2 }
  u32 (value: number): void { this.#reserve(4); this.#view.setUint32(this.length, value, true); this.length += 4 }
  i32 (value: number): void { this.#reserve(4); this.#view.setInt32(this.length, value, true); this.length += 4 }
  f32 (value: number): void { this.#reserve(4); this.#view.setFloat32(this.length, value, true); this.length += 4 }
  f64 (value: number): void { this.#reserve(8); this.#view.setFloat64(this.length, value, true); this.length += 8 }
  u64 (value: number | bigint): void { this.#reserve(8); this.#view.setBigUint64(this.length, BigInt(value), true); this.length += 8 }
  i64 (value: bigint): void { this.#reserve(8); this.#view.setBigInt64(this.length, value, true); this.length += 8 }

  bytes (bytes: Uint8Array): void {
    this.#reserve(bytes.length)
    this.#buffer.set(bytes, this.length)
    this.length += bytes.length
  }

  string (text: string): void {
    const bytes = new TextEncoder().encode(text)
    this.u64(bytes.length)
    this.bytes(bytes)
  }

  padTo (alignment: number): void {
    const target = alignOffset(this.length, alignment)
    this.#reserve(target - this.length)
    this.#buffer.fill(0, this.length, target)
    this.length = target
  }

  result (): Uint8Array {
    return this.#buffer.slice(0, this.length)
  }
}

function writeScalar (writer: ByteWriter, type: GgufValueType, value: number | bigint | boolean | string): void {
  switch (type) {
    case GgufValueType.UINT8: writer.u8(Number(value)); break
    case GgufValueType.INT8: writer.i8(Number(value)); break
    case GgufValueType.UINT16: writer.u16(Number(value)); break
    case GgufValueType.INT16: writer.i16(Number(value)); break
    case GgufValueType.UINT32: writer.u32(Number(value)); break
    case GgufValueType.INT32: writer.i32(Number(value)); break
    case GgufValueType.FLOAT32: writer.f32(Number(value)); break
    case GgufValueType.FLOAT64: writer.f64(Number(value)); break
    case GgufValueType.BOOL: writer.u8(value === true ? 1 : 0); break
    case GgufValueType.UINT64: writer.u64(BigInt(value)); break
    case GgufValueType.INT64: writer.i64(BigInt(value)); break
    case GgufValueType.STRING: writer.string(String(value)); break
    case GgufValueType.ARRAY: throw new Error('arrays are not scalars')
  }
}

function writeValue (writer: ByteWriter, value: GgufValue): void {
  if (value.type !== GgufValueType.ARRAY) {
    writeScalar(writer, value.type, value.value)
    return
  }
  writer.u32(value.itemType)
  writer.u64(value.value.length)
  for (const item of value.value) {
    writeScalar(writer, value.itemType, item)
  }
}

/** Bytes of the tensor's F32 data. */
function tensorBytes (tensor: GgufTensorSpec): number {
  return tensor.dimensions.reduce((product, size) => product * size, 1) * 4
}

/**
 * Encodes everything before the tensor data: header, metadata, tensor infos
 * and the padding up to the data section. Also returns where each tensor's
 * data goes, relative to the data section, and the file's total size.
 */
export function encodeGgufHeader (spec: GgufFileSpec): { header: Uint8Array, tensorOffsets: number[], fileSize: number } {
  const alignment = spec.alignment ?? GGUF_DEFAULT_ALIGNMENT
  const metadata: Array<[string, GgufValue]> = alignment === GGUF_DEFAULT_ALIGNMENT
    ? spec.metadata
    : [...spec.metadata, ['general.alignment', { type: GgufValueType.UINT32, value: alignment }]]
  const writer = new ByteWriter()
  writer.u32(GGUF_MAGIC)
  writer.u32(GGUF_VERSION)
  writer.u64(spec.tensors.length)
  writer.u64(metadata.length)
  for (const [key, value] of metadata) {
    writer.string(key)
    writer.u32(value.type)
    writeValue(writer, value)
  }
  const tensorOffsets: number[] = []
  let offset = 0
  for (const tensor of spec.tensors) {
    writer.string(tensor.name)
    writer.u32(tensor.dimensions.length)
    for (const size of tensor.dimensions) {
      writer.u64(size)
    }
    writer.u32(GgmlTensorType.F32)
    writer.u64(offset)
    tensorOffsets.push(offset)
    offset = alignOffset(offset + tensorBytes(tensor), alignment)
  }
  writer.padTo(alignment)
  const lastTensor = spec.tensors.at(-1)
  const dataSize = lastTensor == null ? 0 : (tensorOffsets.at(-1) ?? 0) + tensorBytes(lastTensor)
  return { header: writer.result(), tensorOffsets, fileSize: writer.length + dataSize }
}

/** The size `writeGgufFile` will give the file, without making any tensor data. */
export function ggufFileSize (spec: GgufFileSpec): number {
  return encodeGgufHeader(spec).fileSize
}

/**
 * Writes a GGUF v3 file with F32 tensors. It goes to a temporary file beside
 * `path` that is renamed over `path` when complete, so a reader, or another
 * process writing the same file, never sees a partial one.
 */
export async function writeGgufFile (path: string, spec: GgufFileSpec): Promise<void> {
  const { header, tensorOffsets } = encodeGgufHeader(spec)
  await mkdir(dirname(path), { recursive: true })
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const file = await open(temporary, 'wx')
  try {
    await file.write(header, 0, header.length, 0)
    for (const [index, tensor] of spec.tensors.entries()) {
      const values = tensor.data()
      const expected = tensorBytes(tensor) / 4
      if (values.length !== expected) {
        throw new Error(`tensor ${tensor.name} has ${values.length} values, its dimensions need ${expected}`)
      }
      // Float32Array is little-endian on every platform Node runs on that llama.cpp supports.
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
      await file.write(bytes, 0, bytes.length, header.length + (tensorOffsets[index] ?? 0))
    }
    await file.sync()
    await file.close()
    await rename(temporary, path)
  } catch (err) {
    await file.close().catch(() => undefined)
    await rm(temporary, { force: true })
    throw err
  }
}
