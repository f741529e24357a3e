import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { fromString, toString } from 'uint8arrays'
import { MalformedMessageError } from './errors.ts'
import { MAX_RECEIPT_BYTES, MAX_RECEIPT_DRAFTERS } from './limits.ts'
import { ReceiptBody, ReceiptKind as WireReceiptKind, SignedReceipt as WireSignedReceipt } from './messages.ts'
import type { PrivateKey } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/*
 * Receipts: what a verifier did for a peer, signed with the verifier's
 * libp2p Ed25519 key over exactly the encoded body, so anyone can check one
 * from the issuer's peer id alone. Everything that reads a receipt (the page,
 * gpu-node checking presented receipts, the offline command) goes through
 * `verifyReceipt` or `receiptFromJson` here; both say why a receipt fails.
 */

export type ReceiptKind = 'served' | 'drafted'

/** One drafter's share of an answer. */
export interface ReceiptDrafterShare {
  peerId: string
  draftedTokens: number
  acceptedTokens: number
}

/** A receipt's signed fields. */
export interface ReceiptFields {
  kind: ReceiptKind
  /** Unique per issuer: 32 lowercase hex characters. */
  id: string
  /** Peer id of the verifier that signed it. */
  issuer: string
  /** Who it is for: a peer id, or `http:<address>` for an HTTP API client. */
  subject: string
  /** Issuer's clock, ms since the Unix epoch. */
  issuedAt: number
  /** 1 for the subject's first receipt from this issuer, then 2, 3, ... */
  sequence: number
  /** Id of the subject's previous receipt from this issuer; empty for sequence 1. */
  previousId: string
  /** Hex SHA-256 naming the answer: the same in its served and drafted receipts. */
  answerId: string
  model: string
  promptTokens: number
  completionTokens: number
  queuedMs: number
  firstTokenMs: number
  totalMs: number
  /** Forward passes the verifier made for the answer. */
  passes: number
  /** Served: the drafters that worked on the answer. Drafted: the subject's own share. */
  drafters: ReceiptDrafterShare[]
  /** Served only: {@link promptHash} of the chat's messages. */
  promptHash: string
  /** Served only: hex SHA-256 of the answer's text (UTF-8). */
  outputHash: string
  /**
   * Set when the timings (and so the speed this receipt shows) came from a
   * verifier emulating other hardware, e.g. `pass-cost h100-70b: 30 ms + 0.25 ms/token`;
   * absent on real hardware.
   */
  emulation?: string
}

/** A receipt as it travels: the encoded body and the issuer's signature over it. */
export interface SignedReceipt {
  body: Uint8Array
  signature: Uint8Array
}

/** A receipt whose signature verified. */
export type Receipt = ReceiptFields & SignedReceipt

/** The JSON form (export files, the HTTP API): base64 bytes plus the decoded fields, for people. */
export type ReceiptJson = { body: string, signature: string } & ReceiptFields

/** Why a receipt is refused; `reason` says it for people. */
export type ReceiptProblem =
  | 'malformed'
  | 'bad-signature'
  | 'altered'
  | 'wrong-issuer'
  | 'wrong-subject'
  | 'untrusted-issuer'
  | 'replayed'
  | 'out-of-order'
  | 'broken-link'
  | 'wrong-answer'

export class ReceiptError extends Error {
  static readonly name = 'ReceiptError'
  override readonly name = 'ReceiptError'
  constructor (readonly problem: ReceiptProblem, message: string) {
    super(message)
  }
}

const KINDS: Record<ReceiptKind, WireReceiptKind> = {
  served: WireReceiptKind.SERVED,
  drafted: WireReceiptKind.DRAFTED
}

const ID_PATTERN = /^[0-9a-f]{32}$/
const HASH_PATTERN = /^[0-9a-f]{64}$/
const MAX_NAME_LENGTH = 128
const UINT32_MAX = 0xffff_ffff

/** A fresh receipt id: 128 random bits as lowercase hex. */
export function newReceiptId (): string {
  return toString(crypto.getRandomValues(new Uint8Array(16)), 'base16')
}

/** Lowercase hex SHA-256 of `data` (text is hashed as UTF-8). */
export async function sha256Hex (data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  return toString(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)), 'base16')
}

/**
 * The prompt hash a served receipt names: SHA-256 of the messages as JSON
 * `[[role, content], ...]`, so an asker can match a receipt to its chat.
 */
export async function promptHash (messages: ReadonlyArray<{ role: string, content: string }>): Promise<string> {
  return sha256Hex(JSON.stringify(messages.map((message) => [message.role, message.content])))
}

/**
 * Checks every field, as both signing and reading must.
 *
 * @throws {ReceiptError} (`malformed`) naming the first bad field
 */
function assertValidFields (fields: ReceiptFields): void {
  const fail = (message: string): never => { throw new ReceiptError('malformed', message) }
  if (!Object.hasOwn(KINDS, fields.kind)) fail('the receipt has no known kind')
  if (!ID_PATTERN.test(fields.id)) fail('the receipt id is not 32 hex characters')
  if (!isName(fields.issuer)) fail('the receipt names no issuer')
  if (!isName(fields.subject)) fail('the receipt names no subject')
  if (!Number.isSafeInteger(fields.issuedAt) || fields.issuedAt <= 0) fail('the receipt has no issue time')
  if (!Number.isSafeInteger(fields.sequence) || fields.sequence < 1) fail('the receipt sequence must be 1 or more')
  if (fields.sequence === 1 ? fields.previousId !== '' : !ID_PATTERN.test(fields.previousId)) {
    fail(fields.sequence === 1 ? 'receipt 1 of a chain names a previous receipt' : 'the receipt names no previous receipt')
  }
  if (!HASH_PATTERN.test(fields.answerId)) fail('the answer id is not a SHA-256')
  if (typeof fields.model !== 'string' || fields.model.length > MAX_NAME_LENGTH) fail('the model name is too long')
  for (const name of ['promptTokens', 'completionTokens', 'queuedMs', 'firstTokenMs', 'totalMs', 'passes'] as const) {
    if (!isUint32(fields[name])) fail(`${name} must be an integer from 0 to 2^32 - 1`)
  }
  if (!Array.isArray(fields.drafters) || fields.drafters.length > MAX_RECEIPT_DRAFTERS) fail(`a receipt names at most ${MAX_RECEIPT_DRAFTERS} drafters`)
  for (const share of fields.drafters) {
    if (!isName(share.peerId) || !isUint32(share.draftedTokens) || !isUint32(share.acceptedTokens) || share.acceptedTokens > share.draftedTokens) {
      fail('a drafter share is invalid')
    }
  }
  if (fields.kind === 'drafted' && fields.drafters.length !== 1) fail('a drafted receipt names exactly its subject\'s share')
  if (fields.kind === 'drafted' && fields.drafters[0]?.peerId !== fields.subject) fail('a drafted receipt\'s share is not its subject\'s')
  for (const name of ['promptHash', 'outputHash'] as const) {
    const hash = fields[name]
    if (fields.kind === 'served' ? !HASH_PATTERN.test(hash) : hash !== '') fail(`${name} must be a SHA-256 on served receipts and empty on drafted ones`)
  }
  if (fields.emulation !== undefined && (typeof fields.emulation !== 'string' || fields.emulation === '' || fields.emulation.length > MAX_NAME_LENGTH)) {
    fail(`emulation must be a label of 1 to ${MAX_NAME_LENGTH} characters when present`)
  }
}

/**
 * The bytes a receipt's signature covers.
 *
 * @throws {ReceiptError} (`malformed`) when a field is invalid
 */
export function encodeReceiptBody (fields: ReceiptFields): Uint8Array {
  assertValidFields(fields)
  const bytes = ReceiptBody.encode({
    ...fields,
    kind: KINDS[fields.kind],
    issuedAtMs: BigInt(fields.issuedAt),
    sequence: BigInt(fields.sequence),
    drafters: fields.drafters.map((share) => ({ ...share })),
    emulation: fields.emulation ?? ''
  })
  if (bytes.byteLength > MAX_RECEIPT_BYTES) {
    throw new ReceiptError('malformed', `the receipt body is ${bytes.byteLength} bytes, more than ${MAX_RECEIPT_BYTES}`)
  }
  return bytes
}

/**
 * Reads and checks a receipt body. Says nothing of its signature.
 *
 * @throws {ReceiptError} (`malformed`) when it does not decode or a field is invalid
 */
export function decodeReceiptBody (bytes: Uint8Array): ReceiptFields {
  if (bytes.byteLength > MAX_RECEIPT_BYTES) {
    throw new ReceiptError('malformed', `the receipt body is ${bytes.byteLength} bytes, more than ${MAX_RECEIPT_BYTES}`)
  }
  let wire: ReceiptBody
  try {
    wire = ReceiptBody.decode(bytes, { limits: { drafters: MAX_RECEIPT_DRAFTERS + 1 } })
  } catch (err) {
    throw new ReceiptError('malformed', `the receipt body does not decode: ${(err as Error).message}`)
  }
  const kind = (Object.keys(KINDS) as ReceiptKind[]).find((name) => KINDS[name] === wire.kind)
  if (kind === undefined) {
    throw new ReceiptError('malformed', 'the receipt has no known kind')
  }
  const fields: ReceiptFields = {
    kind,
    id: wire.id,
    issuer: wire.issuer,
    subject: wire.subject,
    issuedAt: bigintToNumber(wire.issuedAtMs),
    sequence: bigintToNumber(wire.sequence),
    previousId: wire.previousId,
    answerId: wire.answerId,
    model: wire.model,
    promptTokens: wire.promptTokens,
    completionTokens: wire.completionTokens,
    queuedMs: wire.queuedMs,
    firstTokenMs: wire.firstTokenMs,
    totalMs: wire.totalMs,
    passes: wire.passes,
    drafters: wire.drafters.map(({ peerId, draftedTokens, acceptedTokens }) => ({ peerId, draftedTokens, acceptedTokens })),
    promptHash: wire.promptHash,
    outputHash: wire.outputHash,
    ...(wire.emulation === '' ? {} : { emulation: wire.emulation })
  }
  assertValidFields(fields)
  return fields
}

/**
 * Signs a receipt with the issuer's libp2p key.
 *
 * @throws {ReceiptError} (`malformed`) when a field is invalid or `fields.issuer` is not the key's peer id
 */
export async function signReceipt (fields: ReceiptFields, privateKey: PrivateKey): Promise<Receipt> {
  if (peerIdFromPrivateKey(privateKey).toString() !== fields.issuer) {
    throw new ReceiptError('malformed', 'a receipt must name its signer as issuer')
  }
  const body = encodeReceiptBody(fields)
  const signature = await privateKey.sign(body)
  return { ...fields, body, signature }
}

/**
 * Checks a receipt's signature against the public key inside its issuer's
 * peer id, and what the reader expects of it.
 *
 * @throws {ReceiptError} saying why it is refused
 */
export async function verifyReceipt (signed: SignedReceipt, expect: { issuer?: string, subject?: string } = {}): Promise<Receipt> {
  const fields = decodeReceiptBody(signed.body)
  let publicKey
  try {
    publicKey = peerIdFromString(fields.issuer).publicKey
  } catch {
    // fall through: no key to check with
  }
  if (publicKey === undefined) {
    throw new ReceiptError('malformed', `the issuer ${fields.issuer} is not a peer id that carries its public key`)
  }
  let valid = false
  try {
    valid = await publicKey.verify(signed.body, signed.signature)
  } catch {
    valid = false
  }
  if (!valid) {
    throw new ReceiptError('bad-signature', `the signature does not match the body and ${shortPeer(fields.issuer)}'s key`)
  }
  if (expect.issuer !== undefined && fields.issuer !== expect.issuer) {
    throw new ReceiptError('wrong-issuer', `issued by ${shortPeer(fields.issuer)}, not by ${shortPeer(expect.issuer)}`)
  }
  if (expect.subject !== undefined && fields.subject !== expect.subject) {
    throw new ReceiptError('wrong-subject', `issued to ${shortPeer(fields.subject)}, not to ${shortPeer(expect.subject)}`)
  }
  return { ...fields, body: signed.body, signature: signed.signature }
}

/** A receipt in its JSON form. */
export function receiptToJson (receipt: Receipt): ReceiptJson {
  // Spelled out so the JSON always lists the same fields in the same order (issuer first, for people), and nothing else.
  return {
    body: toString(receipt.body, 'base64pad'),
    signature: toString(receipt.signature, 'base64pad'),
    issuer: receipt.issuer,
    kind: receipt.kind,
    id: receipt.id,
    subject: receipt.subject,
    issuedAt: receipt.issuedAt,
    sequence: receipt.sequence,
    previousId: receipt.previousId,
    answerId: receipt.answerId,
    model: receipt.model,
    promptTokens: receipt.promptTokens,
    completionTokens: receipt.completionTokens,
    queuedMs: receipt.queuedMs,
    firstTokenMs: receipt.firstTokenMs,
    totalMs: receipt.totalMs,
    passes: receipt.passes,
    drafters: receipt.drafters.map(({ peerId, draftedTokens, acceptedTokens }) => ({ peerId, draftedTokens, acceptedTokens })),
    promptHash: receipt.promptHash,
    outputHash: receipt.outputHash,
    ...(receipt.emulation === undefined ? {} : { emulation: receipt.emulation })
  }
}

/**
 * Reads a receipt in its JSON form: the signature must verify, and every
 * decoded field shown beside the body must say what the body says.
 *
 * @throws {ReceiptError} saying why it is refused
 */
export async function receiptFromJson (json: unknown): Promise<Receipt> {
  if (typeof json !== 'object' || json === null || typeof (json as ReceiptJson).body !== 'string' || typeof (json as ReceiptJson).signature !== 'string') {
    throw new ReceiptError('malformed', 'a receipt needs base64 "body" and "signature" strings')
  }
  const record = json as Record<string, unknown>
  const receipt = await verifyReceipt({ body: fromBase64(record.body as string, 'body'), signature: fromBase64(record.signature as string, 'signature') })
  for (const [name, value] of Object.entries(receipt)) {
    if (name === 'body' || name === 'signature' || !(name in record)) {
      continue
    }
    if (canonicalJson(record[name]) !== canonicalJson(value)) {
      throw new ReceiptError('altered', `"${name}" says ${JSON.stringify(record[name])} but the signed body says ${JSON.stringify(value)}`)
    }
  }
  return receipt
}

/** Reads a SignedReceipt from the wire (a chat's `done`, a drafter's message). */
export function decodeSignedReceipt (bytes: Uint8Array | Uint8ArrayList): SignedReceipt {
  try {
    const { body, signature } = WireSignedReceipt.decode(bytes)
    return { body, signature }
  } catch (err) {
    throw new MalformedMessageError(`the receipt does not decode: ${(err as Error).message}`)
  }
}

/** A receipt in the form the generated wire codecs take (copied, so any buffer will do). */
export function toWireReceipt (receipt: SignedReceipt): { body: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer> } {
  return { body: Uint8Array.from(receipt.body), signature: Uint8Array.from(receipt.signature) }
}

/** A short form of a peer id for messages: its last 8 characters. */
export function shortPeer (peerId: string): string {
  return peerId.length > 12 ? `…${peerId.slice(-8)}` : peerId
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` compare equal. */
function canonicalJson (value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => typeof inner === 'object' && inner !== null && !Array.isArray(inner)
    ? Object.fromEntries(Object.entries(inner).sort(([left], [right]) => left.localeCompare(right)))
    : inner)
}

function fromBase64 (text: string, field: string): Uint8Array {
  try {
    return fromString(text, text.endsWith('=') ? 'base64pad' : 'base64')
  } catch {
    throw new ReceiptError('malformed', `"${field}" is not base64`)
  }
}

function isName (value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME_LENGTH && /^[\x21-\x7e]+$/.test(value)
}

function isUint32 (value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= UINT32_MAX
}

function bigintToNumber (value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.NaN : Number(value)
}
