import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { expect, test } from '@playwright/test'
import type { Locator, Page } from '@playwright/test'
import { decodeReceiptBody, newReceiptId, promptHash, readReceiptFile, receiptFile, receiptToJson, sha256Hex, signReceipt } from '#protocol'
import type { Receipt, ReceiptDrafterShare, ReceiptFields, ReceiptJson } from '#protocol'
import { e2eSession } from '../support/e2e-session.ts'
import { startRelay, temporaryDirectory } from '../support/processes.ts'

/**
 * The Receipts page end to end: a real relay serving the built app, and
 * Chromium importing receipt files signed here with real Ed25519 keys, as
 * verifiers sign them. No verifier runs: the receipts come from files.
 */

const { processes, openProfile } = e2eSession()
const directories: string[] = []

test.afterEach(async () => {
  await Promise.all(directories.splice(0).map(async (directory) => { await rm(directory, { recursive: true, force: true }) }))
})

const HOUR_MS = 60 * 60 * 1000

/** Signs one verifier's receipts to one subject, as a verifier does: numbered from 1, each naming the one before. */
class ChainSigner {
  readonly issuer: string
  #sequence = 0
  #previousId = ''

  constructor (readonly key: PrivateKey, readonly subject: string) {
    this.issuer = peerIdFromPrivateKey(key).toString()
  }

  async served (issuedAt: number, answer: { model: string, promptTokens: number, completionTokens: number, queuedMs: number, firstTokenMs: number, totalMs: number, passes: number, drafters: ReceiptDrafterShare[] }): Promise<Receipt> {
    const text = `answer ${newReceiptId()}`
    return this.#sign({
      ...answer,
      kind: 'served',
      issuedAt,
      answerId: await sha256Hex(text),
      promptHash: await promptHash([{ role: 'user', content: 'Hello?' }]),
      outputHash: await sha256Hex(text)
    })
  }

  async drafted (issuedAt: number, share: { draftedTokens: number, acceptedTokens: number }): Promise<Receipt> {
    return this.#sign({
      kind: 'drafted',
      issuedAt,
      answerId: await sha256Hex(newReceiptId()),
      model: 'shoal-demo',
      promptTokens: 12,
      completionTokens: 40,
      queuedMs: 0,
      firstTokenMs: 30,
      totalMs: 200,
      passes: 8,
      drafters: [{ peerId: this.subject, ...share }],
      promptHash: '',
      outputHash: ''
    })
  }

  async #sign (fields: Omit<ReceiptFields, 'id' | 'issuer' | 'subject' | 'sequence' | 'previousId'>): Promise<Receipt> {
    const receipt = await signReceipt({ ...fields, id: newReceiptId(), issuer: this.issuer, subject: this.subject, sequence: ++this.#sequence, previousId: this.#previousId }, this.key)
    this.#previousId = receipt.id
    return receipt
  }
}

async function peerIdOfNewKey (): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}

/** Writes an export file holding `entries` (receipts, or JSON forms a test altered). */
async function writeReceiptFile (directory: string, name: string, entries: Array<Receipt | ReceiptJson>): Promise<string> {
  const file = receiptFile([])
  file.receipts = entries.map((entry) => entry.body instanceof Uint8Array ? receiptToJson(entry as Receipt) : entry as ReceiptJson)
  const path = join(directory, name)
  await writeFile(path, JSON.stringify(file))
  return path
}

function ledgerRow (page: Page, issuer: string): Locator {
  return page.locator(`[data-testid="ledger-row"][data-issuer="${issuer}"]`)
}

async function expectLedgerRow (page: Page, issuer: string, totals: { answers: number, tokensUsed: number, drafted: number, accepted: number, acceptance: string }): Promise<void> {
  const row = ledgerRow(page, issuer)
  await expect(row.getByTestId('ledger-answers')).toHaveText(String(totals.answers))
  await expect(row.getByTestId('ledger-tokens-used')).toHaveText(String(totals.tokensUsed))
  await expect(row.getByTestId('ledger-drafted')).toHaveText(String(totals.drafted))
  await expect(row.getByTestId('ledger-accepted')).toHaveText(String(totals.accepted))
  await expect(row.getByTestId('ledger-acceptance')).toHaveText(totals.acceptance)
  await expect(row.locator('[title]').first()).toHaveAttribute('title', issuer)
}

async function importFile (page: Page, path: string): Promise<Locator> {
  const result = page.getByTestId('import-result')
  const before = await result.count() === 0 ? undefined : await result.textContent()
  await page.getByTestId('import-receipts').setInputFiles(path)
  // Each import replaces the result; wait for this one's.
  await expect.poll(async () => await result.count() === 0 ? undefined : await result.textContent()).not.toBe(before)
  return result
}

test('receipts imported from a file add up per verifier, show each answer\'s provenance and chain integrity, survive a reload, and export the same', async () => {
  test.setTimeout(120_000)
  const directory = await temporaryDirectory('shoal-receipts-')
  directories.push(directory)
  const relay = await startRelay()
  processes.push(relay)
  const page = await openProfile()

  const subject = await peerIdOfNewKey()
  const drafter = await peerIdOfNewKey()
  const otherDrafter = await peerIdOfNewKey()
  const verifierA = new ChainSigner(await generateKeyPair('Ed25519'), subject)
  const verifierB = new ChainSigner(await generateKeyPair('Ed25519'), subject)
  const start = Date.now() - 2 * HOUR_MS
  const minute = (n: number): number => start + n * 60_000
  const a1 = await verifierA.served(minute(1), { model: 'shoal-demo', promptTokens: 10, completionTokens: 20, queuedMs: 5, firstTokenMs: 40, totalMs: 300, passes: 12, drafters: [{ peerId: drafter, draftedTokens: 16, acceptedTokens: 12 }] })
  const b1 = await verifierB.served(minute(2), { model: 'llama-3.2-1b', promptTokens: 5, completionTokens: 7, queuedMs: 0, firstTokenMs: 20, totalMs: 80, passes: 4, drafters: [{ peerId: drafter, draftedTokens: 4, acceptedTokens: 1 }, { peerId: otherDrafter, draftedTokens: 6, acceptedTokens: 6 }] })
  const a2 = await verifierA.drafted(minute(3), { draftedTokens: 30, acceptedTokens: 21 })
  const b2 = await verifierB.drafted(minute(4), { draftedTokens: 10, acceptedTokens: 5 })
  const a3 = await verifierA.served(minute(5), { model: 'shoal-demo', promptTokens: 8, completionTokens: 15, queuedMs: 0, firstTokenMs: 10, totalMs: 50, passes: 15, drafters: [] })
  const firstImport = [a1, b1, a2, b2, a3]

  await test.step('the nav links to an empty Receipts page', async () => {
    await page.goto(`${relay.url}/network`)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Receipts' }).click()
    await expect(page).toHaveURL(`${relay.url}/receipts`)
    await expect(page.getByTestId('receipts-empty')).toHaveText('Answers you get and drafts you contribute earn signed receipts; they appear here.')
    await expect(page.getByTestId('export-receipts')).toBeDisabled()
    const persisted = await page.evaluate(async () => await navigator.storage.persisted())
    await expect(page.getByTestId('storage-persistence')).toHaveAttribute('data-persistent', String(persisted))
  })

  const expectFirstImport = async (): Promise<void> => {
    await expect(page.getByTestId('ledger-row')).toHaveCount(2)
    await expectLedgerRow(page, verifierA.issuer, { answers: 2, tokensUsed: 53, drafted: 30, accepted: 21, acceptance: '70 %' })
    await expectLedgerRow(page, verifierB.issuer, { answers: 1, tokensUsed: 12, drafted: 10, accepted: 5, acceptance: '50 %' })

    const answers = page.getByTestId('provenance')
    await expect(answers).toHaveCount(3)
    expect(await answers.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-receipt-id')))).toEqual([a3.id, b1.id, a1.id])
    const first = page.locator(`[data-testid="provenance"][data-receipt-id="${a1.id}"]`)
    await expect(first.getByTestId('provenance-model')).toHaveText('shoal-demo')
    await expect(first.getByTestId('provenance-tokens-in')).toHaveText('10')
    await expect(first.getByTestId('provenance-tokens-out')).toHaveText('20')
    await expect(first.getByTestId('provenance-passes')).toHaveText('12')
    await expect(first.getByTestId('provenance-timeline')).toHaveText(/queued 5 ms\s*first token 40 ms\s*rest of the answer 255 ms/)
    await expect(first.getByTestId('provenance-drafter')).toHaveAttribute('data-peer-id', drafter)
    await expect(first.getByTestId('provenance-drafter-share')).toHaveText('12 of 16 accepted (75 %)')
    const shared = page.locator(`[data-testid="provenance"][data-receipt-id="${b1.id}"]`)
    await expect(shared.getByTestId('provenance-drafter-share')).toHaveText(['1 of 4 accepted (25 %)', '6 of 6 accepted (100 %)'])
    await expect(page.locator(`[data-testid="provenance"][data-receipt-id="${a3.id}"]`)).toContainText('No drafters helped')

    const drafted = page.getByTestId('drafted-receipts')
    await expect(drafted.getByTestId('drafted-count')).toHaveText('2')
    await expect(drafted.getByTestId('drafted-tokens')).toHaveText('40')
    await expect(drafted.getByTestId('drafted-accepted')).toHaveText('26')
    await expect(drafted.getByTestId('drafted-receipt')).toHaveCount(2)

    await expect(page.locator(`[data-testid="chain-integrity"][data-issuer="${verifierA.issuer}"]`)).toHaveAttribute('data-status', 'intact')
    await expect(page.locator(`[data-testid="chain-integrity"][data-issuer="${verifierA.issuer}"]`).getByTestId('chain-summary')).toHaveText('intact (3 receipts)')
    await expect(page.locator(`[data-testid="chain-integrity"][data-issuer="${verifierB.issuer}"]`).getByTestId('chain-summary')).toHaveText('intact (2 receipts)')
  }

  await test.step('an export file imports whole, and the page adds it up', async () => {
    const result = await importFile(page, await writeReceiptFile(directory, 'first.json', firstImport))
    await expect(result).toHaveText('Imported 5, 0 already here, 0 rejected')
    await expectFirstImport()
  })

  await test.step('the receipts are still there after a reload', async () => {
    await page.reload()
    await expectFirstImport()
    await expect(page.getByTestId('import-result')).toHaveCount(0)
  })

  await test.step('an altered receipt and a forged one are rejected, each with its reason, and change nothing', async () => {
    const a4 = await verifierA.served(minute(6), { model: 'shoal-demo', promptTokens: 9, completionTokens: 9, queuedMs: 1, firstTokenMs: 2, totalMs: 30, passes: 3, drafters: [{ peerId: drafter, draftedTokens: 8, acceptedTokens: 2 }] })
    const altered = receiptToJson(a4)
    altered.drafters = [{ peerId: drafter, draftedTokens: 8, acceptedTokens: 8 }]
    // Signed over a body naming verifier A, by a key that is not A's.
    const a5 = await verifierA.served(minute(7), { model: 'shoal-demo', promptTokens: 1000, completionTokens: 1000, queuedMs: 0, firstTokenMs: 1, totalMs: 2, passes: 1, drafters: [] })
    const forged = { ...a5, signature: await (await generateKeyPair('Ed25519')).sign(a5.body) }
    // Truly signed by verifier A, but under the id of a receipt already kept: one of the two is a lie.
    const reused = await signReceipt({ ...decodeReceiptBody(a3.body), completionTokens: 1500 }, verifierA.key)
    const result = await importFile(page, await writeReceiptFile(directory, 'tampered.json', [a1, altered, forged, reused]))
    await expect(result.locator('p')).toHaveText('Imported 0, 1 already here, 3 rejected')
    await expect(result.getByTestId('import-rejection')).toHaveText([
      `Receipt 2 (${a4.id.slice(0, 8)}): "drafters" says [{"peerId":"${drafter}","draftedTokens":8,"acceptedTokens":8}] but the signed body says [{"peerId":"${drafter}","draftedTokens":8,"acceptedTokens":2}]`,
      `Receipt 3 (${a5.id.slice(0, 8)}): the signature does not match the body and …${verifierA.issuer.slice(-8)}'s key`,
      `Receipt 4 (${a3.id.slice(0, 8)}): a different receipt from …${verifierA.issuer.slice(-8)} with the id ${a3.id.slice(0, 8)} is already here`
    ])
    await expectFirstImport()
  })

  await test.step('a file that is not a receipt export imports nothing, and says why', async () => {
    const path = join(directory, 'notes.json')
    await writeFile(path, JSON.stringify({ receipts: [] }))
    const result = await importFile(page, path)
    await expect(result).toHaveText('Nothing imported: the file is not a Shoal receipts export (format "shoal-receipts" with a "receipts" list)')
    await expectFirstImport()
  })

  const verifierC = new ChainSigner(await generateKeyPair('Ed25519'), subject)
  const c1 = await verifierC.served(minute(8), { model: 'shoal-demo', promptTokens: 3, completionTokens: 4, queuedMs: 0, firstTokenMs: 5, totalMs: 9, passes: 2, drafters: [] })
  await verifierC.drafted(minute(9), { draftedTokens: 6, acceptedTokens: 3 })
  const c3 = await verifierC.served(minute(10), { model: 'shoal-demo', promptTokens: 2, completionTokens: 2, queuedMs: 0, firstTokenMs: 5, totalMs: 9, passes: 2, drafters: [] })

  await test.step('a chain with a receipt missing shows as broken, naming it', async () => {
    const result = await importFile(page, await writeReceiptFile(directory, 'gap.json', [c3, c1]))
    await expect(result).toHaveText('Imported 2, 0 already here, 0 rejected')
    const chain = page.locator(`[data-testid="chain-integrity"][data-issuer="${verifierC.issuer}"]`)
    await expect(chain).toHaveAttribute('data-status', 'broken')
    await expect(chain.getByTestId('chain-problem')).toHaveText(['receipt 2 is missing'])
    await expect(page.locator(`[data-testid="chain-integrity"][data-issuer="${verifierA.issuer}"]`)).toHaveAttribute('data-status', 'intact')
    await expectLedgerRow(page, verifierC.issuer, { answers: 2, tokensUsed: 11, drafted: 0, accepted: 0, acceptance: '–' })
  })

  await test.step('the export holds exactly the receipts kept, and verifies', async () => {
    const downloading = page.waitForEvent('download')
    await page.getByTestId('export-receipts').click()
    const download = await downloading
    expect(download.suggestedFilename()).toMatch(/^shoal-receipts-\d{4}-\d{2}-\d{2}\.json$/)
    const contents = await readReceiptFile(await readFile(await download.path(), 'utf8'))
    expect(contents.rejected).toEqual([])
    const kept = [...firstImport, c1, c3]
    const byId = (left: { id: string }, right: { id: string }): number => left.id.localeCompare(right.id)
    expect(contents.receipts.map(receiptToJson).sort(byId)).toEqual(kept.map(receiptToJson).sort(byId))
  })
})
