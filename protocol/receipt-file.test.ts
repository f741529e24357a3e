import { expect, test } from '@playwright/test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { RECEIPT_FILE_FORMAT, readReceiptFile, receiptFile } from './receipt-file.ts'
import { signReceipt } from './receipts.ts'
import type { Receipt } from './receipts.ts'
import { receiptFields } from '../tests/support/receipt-fields.ts'

let receipts: Receipt[]

/** A real chain of 3 drafted receipts from one verifier to one drafter. */
test.beforeAll(async () => {
  const key = await generateKeyPair('Ed25519')
  const issuer = peerIdFromPrivateKey(key).toString()
  const subject = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  receipts = []
  for (let sequence = 1; sequence <= 3; sequence++) {
    const fields = receiptFields('drafted', {
      issuer,
      subject,
      issuedAt: 1_700_000_000_000 + sequence,
      sequence,
      previousId: receipts.at(-1)?.id ?? '',
      answerId: String(sequence).repeat(64),
      completionTokens: 20 * sequence
    })
    receipts.push(await signReceipt(fields, key))
  }
})

function fileText (overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...receiptFile(receipts, new Date('2025-01-02T03:04:05.000Z')), ...overrides }, null, 2)
}

test('an exported file reads back every receipt, verified', async () => {
  const file = receiptFile(receipts, new Date('2025-01-02T03:04:05.000Z'))
  expect(file).toMatchObject({ format: RECEIPT_FILE_FORMAT, version: 1, exportedAt: '2025-01-02T03:04:05.000Z' })
  expect(file.receipts.map((json) => json.id)).toEqual(receipts.map((receipt) => receipt.id))
  expect(await readReceiptFile(JSON.stringify(file))).toEqual({ receipts, rejected: [] })
  expect(await readReceiptFile(JSON.stringify(receiptFile([])))).toEqual({ receipts: [], rejected: [] })
})

test('text that is not a receipt file of a version Shoal reads is refused whole', async () => {
  const malformed = (message: RegExp): unknown => expect.objectContaining({ name: 'ReceiptError', problem: 'malformed', message: expect.stringMatching(message) })
  await expect(readReceiptFile('{"format": "shoal-receipts", ')).rejects.toEqual(malformed(/^the file is not JSON: /))
  await expect(readReceiptFile('')).rejects.toEqual(malformed(/^the file is not JSON: /))
  const notAnExport = /^the file is not a Shoal receipts export \(format "shoal-receipts" with a "receipts" list\)$/
  await expect(readReceiptFile('null')).rejects.toEqual(malformed(notAnExport))
  await expect(readReceiptFile('[]')).rejects.toEqual(malformed(notAnExport))
  await expect(readReceiptFile(fileText({ format: 'other-receipts' }))).rejects.toEqual(malformed(notAnExport))
  await expect(readReceiptFile(fileText({ receipts: {} }))).rejects.toEqual(malformed(notAnExport))
  await expect(readReceiptFile(fileText({ version: 2 }))).rejects.toEqual(malformed(/^receipt file version 2 is not one this version of Shoal reads$/))
  await expect(readReceiptFile(fileText({ version: '1' }))).rejects.toEqual(malformed(/^receipt file version 1 is not one/))
})

test('one tampered receipt is rejected with its reason; the others are read', async () => {
  const file = JSON.parse(fileText()) as { receipts: Array<Record<string, unknown>> }
  const [first, second, third] = file.receipts as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]
  second.completionTokens = 4000
  const contents = await readReceiptFile(JSON.stringify({ ...file, receipts: [first, second, third, 'junk'] }))
  expect(contents.receipts).toEqual([receipts[0], receipts[2]])
  expect(contents.rejected).toEqual([
    { index: 1, id: receipts[1]?.id, reason: '"completionTokens" says 4000 but the signed body says 40' },
    { index: 3, reason: 'a receipt needs base64 "body" and "signature" strings' }
  ])
})

test('a receipt whose signature belongs to another receipt is rejected', async () => {
  const file = JSON.parse(fileText()) as { receipts: Array<Record<string, unknown>> }
  const [first, second] = file.receipts as [Record<string, unknown>, Record<string, unknown>]
  first.signature = second.signature
  const contents = await readReceiptFile(JSON.stringify(file))
  expect(contents.receipts.map((receipt) => receipt.sequence)).toEqual([2, 3])
  expect(contents.rejected).toEqual([{ index: 0, id: receipts[0]?.id, reason: expect.stringMatching(/^the signature does not match the body and …\S{8}'s key$/) }])
})
