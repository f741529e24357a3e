import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import {
  decodeReceiptBody,
  decodeSignedReceipt,
  encodeReceiptBody,
  parseBootstrap,
  readReceiptFile,
  receiptFile,
  receiptFromJson,
  receiptToJson,
  signReceipt,
  toWireReceipt,
  verifyReceipt
} from '#protocol'
import type { Receipt } from '#protocol'
// The generated codec itself: Shoal decodes this message inside other messages, so it has no encode helper of its own.
import { SignedReceipt as WireSignedReceipt } from '../../protocol/messages.ts'
import { receiptFields } from '../../tests/support/receipt-fields.ts'
import { bytesFrom } from '../byte-inputs.ts'
import { fuzzTarget } from '../fuzz-target.ts'
import { jsonFrom, jsonTextFrom } from '../json-inputs.ts'

const RECEIPT_REFUSALS = ['ReceiptError', 'MalformedMessageError', 'MessageTooLargeError']

/** A real chain of signed receipts (served and drafted), made once: the seeds every receipt target mutates. */
async function signedChain (): Promise<Receipt[]> {
  const key = await generateKeyPair('Ed25519')
  const issuer = peerIdFromPrivateKey(key).toString()
  const subject = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const receipts: Receipt[] = []
  for (const [sequence, kind] of [[1, 'served'], [2, 'drafted'], [3, 'drafted']] as const) {
    receipts.push(await signReceipt(receiptFields(kind, { issuer, subject, sequence, issuedAt: 1_800_000_000_000 + sequence, previousId: receipts.at(-1)?.id ?? '' }), key))
  }
  return receipts
}

const chain = await signedChain()

export const receiptTargets = [
  fuzzTarget({
    name: 'receipt-body',
    reads: 'the signed body of a receipt (protocol/receipts.ts)',
    inputs: bytesFrom(chain.map((receipt) => encodeReceiptBody(receipt))),
    read: decodeReceiptBody,
    refusals: RECEIPT_REFUSALS
  }),
  fuzzTarget({
    name: 'signed-receipt',
    reads: 'receipts pages and tabs read from a verifier (chat done events, draft streams), then verify',
    inputs: bytesFrom(chain.map((receipt) => WireSignedReceipt.encode(toWireReceipt(receipt)))),
    read: async (bytes) => await verifyReceipt(decodeSignedReceipt(bytes)),
    refusals: RECEIPT_REFUSALS
  }),
  fuzzTarget({
    name: 'receipt-json',
    reads: 'receipts in JSON (HTTP answers, IndexedDB, export files)',
    inputs: jsonFrom(chain.map(receiptToJson)),
    read: receiptFromJson,
    refusals: RECEIPT_REFUSALS
  }),
  fuzzTarget({
    name: 'receipt-file',
    reads: 'a receipts export file a user imports on /receipts',
    inputs: jsonTextFrom([receiptFile(chain, new Date(1_800_000_000_000))]),
    read: readReceiptFile,
    refusals: RECEIPT_REFUSALS
  }),
  fuzzTarget({
    name: 'bootstrap',
    reads: 'the relay\'s /shoal/bootstrap.json, read by pages and verifiers',
    inputs: fc.oneof(
      jsonFrom([{ relayPeerId: '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN', multiaddrs: ['/ip4/203.0.113.7/tcp/8080/ws', '/ip6/::1/tcp/8080/ws'] }]),
      fc.jsonValue()
    ),
    read: parseBootstrap,
    refusals: ['MalformedMessageError']
  })
]
