import type { Uint8ArrayList } from 'uint8arraylist'
import { MalformedMessageError, MessageTooLargeError } from './errors.ts'
import {
  MAX_ANNOUNCEMENT_FIELD_LENGTH,
  MAX_DRAFT_BATCH_TOKENS,
  MAX_DRAFT_JOBS,
  MAX_DRAFT_LOOKAHEAD,
  MAX_DRAFT_TO_DRAFTER_BYTES,
  MAX_DRAFT_TO_VERIFIER_BYTES,
  MAX_RECEIPT_BYTES,
  MAX_RESENT_RECEIPTS
} from './limits.ts'
import { toWireReceipt } from './receipts.ts'
import type { SignedReceipt } from './receipts.ts'
import { DraftJobCloseReason as WireCloseReason, DraftRefusalCode as WireRefusalCode, DraftToDrafter, DraftToVerifier } from './messages.ts'

/*
 * The draft protocol's messages in the form the rest of Shoal uses. Every
 * message read from the network goes through a `decode*` function here,
 * which bounds its size and checks every field. Whether a token id exists in
 * the model's vocabulary is for the verifier to check: it knows the model.
 */

export type DraftRefusalCode = Exclude<`${WireRefusalCode}`, 'DRAFT_REFUSAL_UNSPECIFIED'>
export type DraftJobCloseReason = Exclude<`${WireCloseReason}`, 'DRAFT_JOB_CLOSE_UNSPECIFIED'>

/** What a verifier writes on a draft stream. */
export type DraftToDrafterMessage =
  | { type: 'welcome', maxBatchTokens: number }
  | { type: 'refusal', code: DraftRefusalCode, message: string }
  | { type: 'open', jobId: number, context: number[], lookahead: number }
  | { type: 'verdict', jobId: number, position: number, accepted: number, tokens: number[], lookahead: number }
  | { type: 'close', jobId: number, reason: DraftJobCloseReason }
  /** A `drafted` receipt for an answer the drafter worked on (checked by the drafter, see receipts.ts). */
  | { type: 'receipt', receipt: SignedReceipt }

/**
 * What a drafter asks to have sent again of the receipts this verifier
 * issued to it: everything after `newest` (the newest sequence it holds, 0
 * for none) and the holes `missing` below it (at most
 * {@link MAX_RESENT_RECEIPTS}, each from 1 to `newest - 1`).
 */
export interface ReceiptGapRequest {
  newest: number
  missing: number[]
}

/** What a drafter writes on a draft stream. */
export type DraftToVerifierMessage =
  /** `receipts`: to heal its chain from this verifier (see {@link ReceiptGapRequest}); without it, nothing is sent again. */
  | { type: 'hello', model: string, tokenizerFingerprint: string, maxJobs: number, receipts?: ReceiptGapRequest }
  | { type: 'batch', jobId: number, epoch: number, position: number, tokens: number[], probabilities: number[] }
  | { type: 'failed', jobId: number, message: string }

const MAX_FAILURE_MESSAGE_LENGTH = 512
const UINT32_MAX = 0xffff_ffff

export function encodeDraftToDrafter (message: DraftToDrafterMessage): Uint8Array {
  assertValidToDrafter(message)
  let wire: DraftToDrafter
  switch (message.type) {
    case 'welcome':
      wire = { welcome: { maxBatchTokens: message.maxBatchTokens } }
      break
    case 'refusal':
      wire = { refusal: { code: WireRefusalCode[message.code], message: message.message.slice(0, MAX_FAILURE_MESSAGE_LENGTH) } }
      break
    case 'open':
      wire = { open: { jobId: message.jobId, context: message.context, lookahead: message.lookahead } }
      break
    case 'verdict':
      wire = { verdict: { jobId: message.jobId, position: message.position, accepted: message.accepted, tokens: message.tokens, lookahead: message.lookahead } }
      break
    case 'close':
      wire = { close: { jobId: message.jobId, reason: WireCloseReason[message.reason] } }
      break
    case 'receipt':
      wire = { receipt: toWireReceipt(message.receipt) }
      break
  }
  const bytes = DraftToDrafter.encode(wire)
  if (bytes.byteLength > MAX_DRAFT_TO_DRAFTER_BYTES) {
    throw new MessageTooLargeError(`the draft message is ${bytes.byteLength} bytes, more than ${MAX_DRAFT_TO_DRAFTER_BYTES}`)
  }
  return bytes
}

/**
 * @throws {MessageTooLargeError} when it is over {@link MAX_DRAFT_TO_DRAFTER_BYTES}
 * @throws {MalformedMessageError} when it does not decode or a field is invalid
 */
export function decodeDraftToDrafter (bytes: Uint8Array | Uint8ArrayList): DraftToDrafterMessage {
  if (bytes.byteLength > MAX_DRAFT_TO_DRAFTER_BYTES) {
    throw new MessageTooLargeError(`the draft message is ${bytes.byteLength} bytes, more than ${MAX_DRAFT_TO_DRAFTER_BYTES}`)
  }
  let wire: DraftToDrafter
  try {
    wire = DraftToDrafter.decode(bytes, { limits: { verdict: { tokens: MAX_DRAFT_LOOKAHEAD + 1 } } })
  } catch (err) {
    throw new MalformedMessageError(`the draft message does not decode: ${(err as Error).message}`)
  }
  let message: DraftToDrafterMessage
  if (wire.welcome != null) {
    message = { type: 'welcome', maxBatchTokens: wire.welcome.maxBatchTokens }
  } else if (wire.refusal != null) {
    const code = wire.refusal.code
    if (code === WireRefusalCode.DRAFT_REFUSAL_UNSPECIFIED) {
      throw new MalformedMessageError('the refusal has no code')
    }
    message = { type: 'refusal', code, message: wire.refusal.message }
  } else if (wire.open != null) {
    message = { type: 'open', jobId: wire.open.jobId, context: wire.open.context, lookahead: wire.open.lookahead }
  } else if (wire.verdict != null) {
    const { jobId, position, accepted, tokens, lookahead } = wire.verdict
    message = { type: 'verdict', jobId, position, accepted, tokens, lookahead }
  } else if (wire.close != null) {
    const reason = wire.close.reason
    if (reason === WireCloseReason.DRAFT_JOB_CLOSE_UNSPECIFIED) {
      throw new MalformedMessageError('the job close has no reason')
    }
    message = { type: 'close', jobId: wire.close.jobId, reason }
  } else if (wire.receipt != null) {
    message = { type: 'receipt', receipt: { body: wire.receipt.body, signature: wire.receipt.signature } }
  } else {
    throw new MalformedMessageError('the draft message carries nothing')
  }
  assertValidToDrafter(message)
  return message
}

export function encodeDraftToVerifier (message: DraftToVerifierMessage): Uint8Array {
  assertValidToVerifier(message)
  let wire: DraftToVerifier
  switch (message.type) {
    case 'hello':
      wire = {
        hello: {
          model: message.model,
          tokenizerFingerprint: message.tokenizerFingerprint,
          maxJobs: message.maxJobs,
          newestReceipt: message.receipts?.newest,
          missingReceipts: message.receipts?.missing ?? []
        }
      }
      break
    case 'batch':
      wire = { batch: { jobId: message.jobId, epoch: message.epoch, position: message.position, tokens: message.tokens, probabilities: message.probabilities } }
      break
    case 'failed':
      wire = { failed: { jobId: message.jobId, message: message.message.slice(0, MAX_FAILURE_MESSAGE_LENGTH) } }
      break
  }
  const bytes = DraftToVerifier.encode(wire)
  if (bytes.byteLength > MAX_DRAFT_TO_VERIFIER_BYTES) {
    throw new MessageTooLargeError(`the draft message is ${bytes.byteLength} bytes, more than ${MAX_DRAFT_TO_VERIFIER_BYTES}`)
  }
  return bytes
}

/**
 * @throws {MessageTooLargeError} when it is over {@link MAX_DRAFT_TO_VERIFIER_BYTES}
 * @throws {MalformedMessageError} when it does not decode or a field is invalid
 */
export function decodeDraftToVerifier (bytes: Uint8Array | Uint8ArrayList): DraftToVerifierMessage {
  if (bytes.byteLength > MAX_DRAFT_TO_VERIFIER_BYTES) {
    throw new MessageTooLargeError(`the draft message is ${bytes.byteLength} bytes, more than ${MAX_DRAFT_TO_VERIFIER_BYTES}`)
  }
  let wire: DraftToVerifier
  try {
    wire = DraftToVerifier.decode(bytes, { limits: { batch: { tokens: MAX_DRAFT_BATCH_TOKENS + 1, probabilities: MAX_DRAFT_BATCH_TOKENS + 1 }, hello: { missingReceipts: MAX_RESENT_RECEIPTS + 1 } } })
  } catch (err) {
    throw new MalformedMessageError(`the draft message does not decode: ${(err as Error).message}`)
  }
  let message: DraftToVerifierMessage
  if (wire.hello != null) {
    const { model, tokenizerFingerprint, maxJobs, newestReceipt, missingReceipts } = wire.hello
    if (newestReceipt === undefined && missingReceipts.length > 0) {
      throw new MalformedMessageError('missing receipts are listed below the newest one held, which the hello does not give')
    }
    message = { type: 'hello', model, tokenizerFingerprint, maxJobs, ...(newestReceipt === undefined ? {} : { receipts: { newest: newestReceipt, missing: missingReceipts } }) }
  } else if (wire.batch != null) {
    const { jobId, epoch, position, tokens, probabilities } = wire.batch
    message = { type: 'batch', jobId, epoch, position, tokens, probabilities }
  } else if (wire.failed != null) {
    message = { type: 'failed', jobId: wire.failed.jobId, message: wire.failed.message }
  } else {
    throw new MalformedMessageError('the draft message carries nothing')
  }
  assertValidToVerifier(message)
  return message
}

function assertValidToDrafter (message: DraftToDrafterMessage): void {
  switch (message.type) {
    case 'welcome':
      assertIntegerIn('maxBatchTokens', message.maxBatchTokens, 1, MAX_DRAFT_BATCH_TOKENS)
      break
    case 'refusal':
      break
    case 'open':
      assertIntegerIn('jobId', message.jobId, 0, UINT32_MAX)
      assertIntegerIn('lookahead', message.lookahead, 0, MAX_DRAFT_LOOKAHEAD)
      if (message.context.length === 0) {
        throw new MalformedMessageError('a job needs a context')
      }
      assertTokens(message.context)
      break
    case 'verdict':
      assertIntegerIn('jobId', message.jobId, 0, UINT32_MAX)
      assertIntegerIn('position', message.position, 1, UINT32_MAX)
      assertIntegerIn('lookahead', message.lookahead, 0, MAX_DRAFT_LOOKAHEAD)
      if (message.tokens.length === 0 || message.tokens.length > MAX_DRAFT_LOOKAHEAD + 1) {
        throw new MalformedMessageError(`a verdict carries 1-${MAX_DRAFT_LOOKAHEAD + 1} tokens`)
      }
      assertIntegerIn('accepted', message.accepted, 0, message.tokens.length - 1)
      assertTokens(message.tokens)
      break
    case 'close':
      assertIntegerIn('jobId', message.jobId, 0, UINT32_MAX)
      break
    case 'receipt':
      if (message.receipt.body.byteLength > MAX_RECEIPT_BYTES || message.receipt.signature.byteLength > MAX_RECEIPT_BYTES) {
        throw new MalformedMessageError(`a receipt is at most ${MAX_RECEIPT_BYTES} bytes`)
      }
      break
  }
}

function assertValidToVerifier (message: DraftToVerifierMessage): void {
  switch (message.type) {
    case 'hello':
      if (message.tokenizerFingerprint === '' || message.tokenizerFingerprint.length > MAX_ANNOUNCEMENT_FIELD_LENGTH || message.model.length > MAX_ANNOUNCEMENT_FIELD_LENGTH) {
        throw new MalformedMessageError(`the hello needs a tokenizer fingerprint; fields are at most ${MAX_ANNOUNCEMENT_FIELD_LENGTH} characters`)
      }
      assertIntegerIn('maxJobs', message.maxJobs, 1, MAX_DRAFT_JOBS)
      if (message.receipts !== undefined) {
        assertReceiptGapRequest(message.receipts)
      }
      break
    case 'batch':
      assertIntegerIn('jobId', message.jobId, 0, UINT32_MAX)
      assertIntegerIn('epoch', message.epoch, 0, UINT32_MAX)
      assertIntegerIn('position', message.position, 1, UINT32_MAX)
      if (message.tokens.length === 0 || message.tokens.length > MAX_DRAFT_BATCH_TOKENS) {
        throw new MalformedMessageError(`a draft batch carries 1-${MAX_DRAFT_BATCH_TOKENS} tokens`)
      }
      if (message.probabilities.length !== message.tokens.length) {
        throw new MalformedMessageError('a draft batch needs one probability per token')
      }
      if (message.probabilities.some((probability) => !Number.isFinite(probability) || probability < 0 || probability > 1)) {
        throw new MalformedMessageError('draft probabilities must be from 0 to 1')
      }
      assertTokens(message.tokens)
      break
    case 'failed':
      assertIntegerIn('jobId', message.jobId, 0, UINT32_MAX)
      break
  }
}

function assertReceiptGapRequest ({ newest, missing }: ReceiptGapRequest): void {
  assertIntegerIn('newest receipt', newest, 0, UINT32_MAX)
  if (missing.length > MAX_RESENT_RECEIPTS) {
    throw new MalformedMessageError(`a hello lists at most ${MAX_RESENT_RECEIPTS} missing receipts`)
  }
  for (const sequence of missing) {
    assertIntegerIn('a missing receipt', sequence, 1, Math.max(1, newest - 1))
  }
  if (missing.some((sequence) => sequence >= newest)) {
    throw new MalformedMessageError('missing receipts are below the newest one held')
  }
}

function assertTokens (tokens: readonly number[]): void {
  if (tokens.some((token) => !Number.isInteger(token) || token < 0 || token > UINT32_MAX)) {
    throw new MalformedMessageError('token ids must be integers from 0 to 2^32 - 1')
  }
}

function assertIntegerIn (field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MalformedMessageError(`${field} must be an integer from ${min} to ${max}, not ${value}`)
  }
}
