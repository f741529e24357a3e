import { expect, test } from '@playwright/test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { fromString, toString } from 'uint8arrays'
import { MAX_RECEIPT_BYTES, MAX_RECEIPT_DRAFTERS } from './limits.ts'
import { ReceiptBody, ReceiptKind as WireReceiptKind } from './messages.ts'
import {
  ReceiptError,
  decodeReceiptBody,
  encodeReceiptBody,
  newReceiptId,
  promptHash,
  receiptFromJson,
  receiptToJson,
  sha256Hex,
  shortPeer,
  signReceipt,
  verifyReceipt
} from './receipts.ts'
import type { PrivateKey } from '@libp2p/interface'
import type { ReceiptFields, ReceiptKind, ReceiptProblem } from './receipts.ts'
import { receiptFields } from '../tests/support/receipt-fields.ts'

const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'

let issuerKey: PrivateKey
let otherKey: PrivateKey
let issuer: string
let other: string
let subject: string
let drafter: string

test.beforeAll(async () => {
  issuerKey = await generateKeyPair('Ed25519')
  otherKey = await generateKeyPair('Ed25519')
  issuer = peerIdFromPrivateKey(issuerKey).toString()
  other = peerIdFromPrivateKey(otherKey).toString()
  subject = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  drafter = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
})

/**
 * Valid fields of either kind: served names the prompt and output hashes and
 * its drafters; drafted names no hashes and exactly the subject's own share.
 */
function fields (kind: ReceiptKind = 'served', overrides: Partial<ReceiptFields> = {}): ReceiptFields {
  const to = overrides.subject ?? subject
  return receiptFields(kind, {
    issuer,
    subject: to,
    model: 'shoal-demo-v1',
    promptTokens: 12,
    completionTokens: 34,
    totalMs: 900,
    passes: 20,
    drafters: [{ peerId: kind === 'served' ? drafter : to, draftedTokens: 30, acceptedTokens: 18 }],
    ...overrides
  })
}

/** Matches a ReceiptError with this problem and a message saying `reason`. */
function refused (problem: ReceiptProblem, reason: RegExp): unknown {
  return expect.objectContaining({ name: 'ReceiptError', problem, message: expect.stringMatching(reason) })
}

test('SHA-256 known answers: "abc", bytes, and the prompt hash of a chat', async () => {
  expect(await sha256Hex('abc')).toBe(ABC_SHA256)
  expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(ABC_SHA256)
  expect(await sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  const messages = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello, wörld 👋' }]
  expect(await promptHash(messages)).toBe(await sha256Hex('[["system","Be brief."],["user","Hello, wörld 👋"]]'))
  // The role is part of what is hashed, so a user line cannot pass for a system one.
  expect(await promptHash([{ role: 'user', content: 'Be brief.' }])).not.toBe(await promptHash([{ role: 'system', content: 'Be brief.' }]))
})

test('receipt ids are 32 fresh lowercase hex characters', () => {
  const ids = new Set(Array.from({ length: 100 }, () => newReceiptId()))
  expect(ids.size).toBe(100)
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/)
})

test('served and drafted receipts round trip: sign, verify, JSON and back', async () => {
  for (const kind of ['served', 'drafted'] as const) {
    const input = fields(kind, { sequence: 2, previousId: newReceiptId() })
    const signed = await signReceipt(input, issuerKey)
    expect(signed).toMatchObject({ ...input })
    expect(decodeReceiptBody(signed.body)).toEqual(input)
    expect(signed.signature).toHaveLength(64)

    const verified = await verifyReceipt({ body: signed.body, signature: signed.signature }, { issuer, subject })
    expect(verified).toEqual({ ...input, body: signed.body, signature: signed.signature })

    const json = receiptToJson(verified)
    expect(json).toEqual({ ...input, body: toString(signed.body, 'base64pad'), signature: toString(signed.signature, 'base64pad') })
    // Through text, as an export file carries it.
    const read = await receiptFromJson(JSON.parse(JSON.stringify(json)))
    expect(read).toEqual(verified)
  }
})

test('a receipt from an emulated GPU says so in its signed body and its JSON; one from real hardware has no label', async () => {
  const label = 'pass-cost h100-70b: 30 ms + 0.25 ms/token'
  const emulated = await signReceipt(fields('served', { emulation: label }), issuerKey)
  expect(decodeReceiptBody(emulated.body).emulation).toBe(label)
  expect(receiptToJson(emulated).emulation).toBe(label)
  expect((await receiptFromJson(JSON.parse(JSON.stringify(receiptToJson(emulated))))).emulation).toBe(label)
  // The label is signed: changing it in the JSON is refused.
  await expect(receiptFromJson({ ...receiptToJson(emulated), emulation: 'none' })).rejects.toEqual(refused('altered', /"emulation"/))

  const real = await signReceipt(fields('served'), issuerKey)
  expect('emulation' in decodeReceiptBody(real.body)).toBe(false)
  expect('emulation' in receiptToJson(real)).toBe(false)
  for (const bad of ['', 'x'.repeat(1000)]) {
    await expect(signReceipt(fields('served', { emulation: bad }), issuerKey)).rejects.toEqual(refused('malformed', /emulation must be a label/))
  }
})

test('the JSON form may leave out the decoded fields: the body alone is what counts', async () => {
  const signed = await signReceipt(fields('drafted'), issuerKey)
  const { body, signature } = receiptToJson(signed)
  expect(await receiptFromJson({ body, signature })).toEqual({ ...fields('drafted', { id: signed.id }), body: signed.body, signature: signed.signature })
})

test('a receipt signed by another key but naming the issuer has a bad signature', async () => {
  const body = encodeReceiptBody(fields())
  const signature = await otherKey.sign(body)
  await expect(verifyReceipt({ body, signature })).rejects.toEqual(refused('bad-signature', /^the signature does not match the body and …\S{8}'s key$/))
  await expect(verifyReceipt({ body, signature })).rejects.toThrow(shortPeer(issuer))
  // signReceipt will not make one either.
  await expect(signReceipt(fields(), otherKey)).rejects.toEqual(refused('malformed', /must name its signer as issuer/))
})

test('one flipped bit anywhere in the signature or the body is refused', async () => {
  const signed = await signReceipt(fields(), issuerKey)
  for (const index of [0, 31, 63]) {
    const signature = Uint8Array.from(signed.signature)
    signature[index] = (signature[index] ?? 0) ^ 0x01
    await expect(verifyReceipt({ body: signed.body, signature })).rejects.toEqual(refused('bad-signature', /signature does not match/))
  }
  await expect(verifyReceipt({ body: signed.body, signature: signed.signature.subarray(0, 63) })).rejects.toEqual(refused('bad-signature', /signature does not match/))

  // Change the model name's last letter: the body still decodes to valid fields, only the signature tells.
  const body = Uint8Array.from(signed.body)
  const at = toString(body, 'latin1').indexOf('shoal-demo-v1') + 'shoal-demo-v'.length
  expect(at).toBeGreaterThan(0)
  body[at] = '2'.charCodeAt(0)
  expect(decodeReceiptBody(body).model).toBe('shoal-demo-v2')
  await expect(verifyReceipt({ body, signature: signed.signature })).rejects.toEqual(refused('bad-signature', /signature does not match/))
})

test('a decoded field changed in the JSON form is refused as altered, naming the field', async () => {
  const json = receiptToJson(await signReceipt(fields(), issuerKey))
  const changes: Array<[string, unknown, RegExp]> = [
    ['completionTokens', 3400, /^"completionTokens" says 3400 but the signed body says 34$/],
    ['subject', other, /^"subject" says "12D3\S+" but the signed body says "12D3\S+"$/],
    ['kind', 'drafted', /^"kind" says "drafted" but the signed body says "served"$/],
    ['drafters', [], /^"drafters" says \[\] but the signed body says \[\{"peerId"/]
  ]
  for (const [name, value, reason] of changes) {
    await expect(receiptFromJson({ ...json, [name]: value }), name).rejects.toEqual(refused('altered', reason))
  }
  // The signature still holds: only the copy beside it lies.
  expect(await receiptFromJson(json)).toMatchObject({ completionTokens: 34 })
  // Key order is not content: a hand-written file may list a share's keys in any order.
  const reordered = json.drafters.map(({ acceptedTokens, peerId, draftedTokens }) => ({ acceptedTokens, peerId, draftedTokens }))
  expect(await receiptFromJson({ ...json, drafters: reordered })).toMatchObject({ completionTokens: 34 })
})

test('a receipt for another peer, or from another issuer than expected, is refused', async () => {
  const signed = await signReceipt(fields(), issuerKey)
  await expect(verifyReceipt(signed, { subject: other })).rejects.toEqual(refused('wrong-subject', /^issued to …\S{8}, not to …\S{8}$/))
  await expect(verifyReceipt(signed, { subject: other })).rejects.toThrow(`issued to ${shortPeer(subject)}, not to ${shortPeer(other)}`)
  await expect(verifyReceipt(signed, { issuer: other })).rejects.toThrow(`issued by ${shortPeer(issuer)}, not by ${shortPeer(other)}`)
  await expect(verifyReceipt(signed, { issuer: other })).rejects.toEqual(refused('wrong-issuer', /^issued by/))
  // An HTTP API client is a subject too.
  const forClient = await signReceipt(fields('served', { subject: 'http:127.0.0.1' }), issuerKey)
  expect(await verifyReceipt(forClient, { issuer, subject: 'http:127.0.0.1' })).toMatchObject({ subject: 'http:127.0.0.1' })
})

test('malformed fields are refused when signing, each with its reason', async () => {
  const tooMany = Array.from({ length: MAX_RECEIPT_DRAFTERS + 1 }, () => ({ peerId: drafter, draftedTokens: 1, acceptedTokens: 1 }))
  const bad: Array<[string, ReceiptFields, RegExp]> = [
    ['bad id', fields('served', { id: 'not-hex' }), /^the receipt id is not 32 hex characters$/],
    ['upper-case id', fields('served', { id: 'A'.repeat(32) }), /^the receipt id is not 32 hex characters$/],
    ['sequence 0', fields('served', { sequence: 0 }), /^the receipt sequence must be 1 or more$/],
    ['fractional sequence', fields('served', { sequence: 1.5 }), /^the receipt sequence must be 1 or more$/],
    ['sequence 1 with a previous id', fields('served', { previousId: newReceiptId() }), /^receipt 1 of a chain names a previous receipt$/],
    ['sequence 2 without one', fields('served', { sequence: 2 }), /^the receipt names no previous receipt$/],
    ['drafted share of another peer', fields('drafted', { drafters: [{ peerId: drafter, draftedTokens: 3, acceptedTokens: 1 }] }), /^a drafted receipt's share is not its subject's$/],
    ['drafted with two shares', fields('drafted', { drafters: [{ peerId: subject, draftedTokens: 3, acceptedTokens: 1 }, { peerId: drafter, draftedTokens: 3, acceptedTokens: 1 }] }), /^a drafted receipt names exactly its subject's share$/],
    ['drafted with a prompt hash', fields('drafted', { promptHash: 'b'.repeat(64) }), /^promptHash must be a SHA-256 on served receipts and empty on drafted ones$/],
    ['served without an output hash', fields('served', { outputHash: '' }), /^outputHash must be a SHA-256/],
    ['too many drafters', fields('served', { drafters: tooMany }), new RegExp(`^a receipt names at most ${MAX_RECEIPT_DRAFTERS} drafters$`)],
    ['more accepted than drafted', fields('served', { drafters: [{ peerId: drafter, draftedTokens: 1, acceptedTokens: 2 }] }), /^a drafter share is invalid$/],
    ['negative tokens', fields('served', { promptTokens: -1 }), /^promptTokens must be an integer from 0 to 2\^32 - 1$/],
    ['no issue time', fields('served', { issuedAt: 0 }), /^the receipt has no issue time$/],
    ['subject with a space', fields('served', { subject: 'a b' }), /^the receipt names no subject$/],
    ['unknown kind', fields('served', { kind: 'tipped' as ReceiptKind }), /^the receipt has no known kind$/],
    ['answer id not a hash', fields('served', { answerId: 'x' }), /^the answer id is not a SHA-256$/],
    ['long model name', fields('served', { model: 'm'.repeat(129) }), /^the model name is too long$/]
  ]
  for (const [what, input, reason] of bad) {
    expect(() => encodeReceiptBody(input), what).toThrow(ReceiptError)
    expect(() => encodeReceiptBody(input), what).toThrow(reason)
    await expect(signReceipt(input, issuerKey), what).rejects.toEqual(refused('malformed', reason))
  }
})

test('malformed bodies are refused when reading, signed or not', async () => {
  /** A wire body with valid fields except `overrides`, signed by the issuer as a buggy or hostile verifier might. */
  const wire = (overrides: Partial<ReceiptBody>): Uint8Array => ReceiptBody.encode({
    kind: WireReceiptKind.SERVED,
    id: newReceiptId(),
    issuer,
    subject,
    issuedAtMs: 1_700_000_000_000n,
    sequence: 1n,
    previousId: '',
    answerId: 'a'.repeat(64),
    model: 'm',
    promptTokens: 1,
    completionTokens: 1,
    queuedMs: 0,
    firstTokenMs: 0,
    totalMs: 0,
    passes: 1,
    drafters: [],
    promptHash: 'b'.repeat(64),
    outputHash: 'c'.repeat(64),
    ...overrides
  })
  expect(decodeReceiptBody(wire({}))).toMatchObject({ kind: 'served', sequence: 1 })
  const share = { peerId: drafter, draftedTokens: 1, acceptedTokens: 1 }
  const bad: Array<[string, Uint8Array, RegExp]> = [
    ['bad id', wire({ id: 'zz' }), /^the receipt id is not 32 hex characters$/],
    ['sequence 0', wire({ sequence: 0n }), /^the receipt sequence must be 1 or more$/],
    ['sequence 1 with a previous id', wire({ previousId: newReceiptId() }), /^receipt 1 of a chain names a previous receipt$/],
    ['sequence past 2^53', wire({ sequence: 2n ** 60n }), /^the receipt sequence must be 1 or more$/],
    ['unspecified kind', wire({ kind: WireReceiptKind.RECEIPT_KIND_UNSPECIFIED }), /^the receipt has no known kind$/],
    ['drafted share not the subject\'s', wire({ kind: WireReceiptKind.DRAFTED, promptHash: '', outputHash: '', drafters: [share] }), /^a drafted receipt's share is not its subject's$/],
    ['too many drafters', wire({ drafters: Array.from({ length: MAX_RECEIPT_DRAFTERS + 1 }, () => share) }), /^a receipt names at most 16 drafters$/],
    ['far too many drafters', wire({ drafters: Array.from({ length: MAX_RECEIPT_DRAFTERS + 2 }, () => share) }), /^the receipt body does not decode: /],
    ['not protobuf', Uint8Array.of(0xff, 0xff, 0xff), /^the receipt body does not decode: /],
    ['oversized', wire({ model: 'm'.repeat(MAX_RECEIPT_BYTES) }), new RegExp(`^the receipt body is \\d+ bytes, more than ${MAX_RECEIPT_BYTES}$`)]
  ]
  for (const [what, body, reason] of bad) {
    expect(() => decodeReceiptBody(body), what).toThrow(reason)
    // A valid signature does not make a malformed body acceptable.
    await expect(verifyReceipt({ body, signature: await issuerKey.sign(body) }), what).rejects.toEqual(refused('malformed', reason))
  }
})

test('an issuer that is not an Ed25519 peer id cannot be checked', async () => {
  const body = encodeReceiptBody(fields('served', { issuer: 'not-a-peer-id' }))
  await expect(verifyReceipt({ body, signature: new Uint8Array(64) })).rejects.toEqual(refused('malformed', /^the issuer not-a-peer-id is not a peer id that carries its public key$/))
})

test('a JSON receipt without base64 body and signature is malformed', async () => {
  const json = receiptToJson(await signReceipt(fields(), issuerKey))
  const bad: Array<[string, unknown, RegExp]> = [
    ['null', null, /^a receipt needs base64 "body" and "signature" strings$/],
    ['a string', 'receipt', /^a receipt needs base64 "body" and "signature" strings$/],
    ['no signature', { body: json.body }, /^a receipt needs base64 "body" and "signature" strings$/],
    ['numeric body', { ...json, body: 42 }, /^a receipt needs base64 "body" and "signature" strings$/],
    ['body not base64', { ...json, body: 'not base64!' }, /^"body" is not base64$/],
    ['signature not base64', { ...json, signature: `${json.signature.slice(0, 10)}*${json.signature.slice(11)}` }, /^"signature" is not base64$/]
  ]
  for (const [what, value, reason] of bad) {
    await expect(receiptFromJson(value), what).rejects.toEqual(refused('malformed', reason))
  }
})

test('a receipt whose base64 signature has one character changed is refused', async () => {
  const json = receiptToJson(await signReceipt(fields(), issuerKey))
  // Swap one character in the middle for another valid one: still base64, other bytes.
  const at = 20
  const swapped = json.signature[at] === 'A' ? 'B' : 'A'
  const signature = `${json.signature.slice(0, at)}${swapped}${json.signature.slice(at + 1)}`
  expect(fromString(signature, 'base64pad')).toHaveLength(64)
  await expect(receiptFromJson({ ...json, signature })).rejects.toEqual(refused('bad-signature', /signature does not match/))
})

test('shortPeer keeps the last 8 characters of long ids', () => {
  expect(shortPeer('12D3KooWAfedUJv15EEChVsqFNxbRHH9f6J8hx2vTdUkFNzYkLJv')).toBe('…FNzYkLJv')
  expect(shortPeer('short')).toBe('short')
})
