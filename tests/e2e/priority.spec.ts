import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { expect, test } from '@playwright/test'
import { newReceiptId, receiptFile, sha256Hex, signReceipt } from '#protocol'
import type { Receipt } from '#protocol'
import { ask, lastAnswer, setAnswerSettings } from '../support/chat-page.ts'
import { holdVerifierBusy } from '../support/busy-verifier.ts'
import { readMetrics } from '../support/metrics.ts'
import { receiptFields } from '../support/receipt-fields.ts'
import { ensureDemoModels } from '../support/models.ts'
import { startGpuNode, startRelay, temporaryDirectory } from '../support/processes.ts'
import { e2eSession } from '../support/e2e-session.ts'

/**
 * Priority from receipts earned elsewhere: a tab holding `drafted` receipts
 * signed by another verifier presents them with its chat, and a busy
 * verifier that trusts that verifier serves it before a consumer who asked
 * first. Real relay and gpu-node, real Chromium; the other verifier is a
 * key this test signs with, as a verifier signs.
 */

const { processes, profiles, openProfile } = e2eSession()

/** Drafted receipts for `subject`, chained, as the verifier with `key` issues them. */
async function draftedReceipts (key: Awaited<ReturnType<typeof generateKeyPair>>, subject: string, acceptedTokens: number[]): Promise<Receipt[]> {
  const issuer = peerIdFromPrivateKey(key).toString()
  const receipts: Receipt[] = []
  for (const [index, accepted] of acceptedTokens.entries()) {
    receipts.push(await signReceipt(receiptFields('drafted', {
      issuer,
      subject,
      issuedAt: Date.now() - 60_000 + index,
      sequence: index + 1,
      previousId: receipts.at(-1)?.id ?? '',
      answerId: await sha256Hex(newReceiptId()),
      drafters: [{ peerId: subject, draftedTokens: accepted + 10, acceptedTokens: accepted }]
    }), key))
  }
  return receipts
}

test('receipts earned at a trusted verifier put a tab ahead of a consumer who asked first; the consumer is still served', async () => {
  test.setTimeout(240_000)
  // 512x16 on one thread: a long answer holds the verifier's one sequence for tens of seconds.
  const models = await ensureDemoModels({ width: 512, layers: 16 })
  const elsewhere = await generateKeyPair('Ed25519')
  const relay = await startRelay()
  processes.push(relay)
  const verifier = await startGpuNode({
    relayUrl: relay.url,
    extraArgs: ['--model', models.target, '--model-name', 'shoal-demo-512x16', '--threads', '1', '--capacity', '1', '--trust', peerIdFromPrivateKey(elsewhere).toString()]
  })
  processes.push(verifier)
  const verifierId = (await (await fetch(`${verifier.url}/health`)).json() as { peerId: string }).peerId

  // The contributor's tab keeps receipts another verifier issued to it (imported here, as from an export).
  const contributor = await openProfile()
  await contributor.goto(`${relay.url}/network`)
  await expect(contributor.getByTestId('self-peer-id')).toHaveText(/^12D3KooW/, { timeout: 30_000 })
  const self = (await contributor.getByTestId('self-peer-id').textContent()) ?? ''
  const file = join(await temporaryDirectory(), 'earned.json')
  await writeFile(file, JSON.stringify(receiptFile(await draftedReceipts(elsewhere, self, [30, 12]))))
  await contributor.getByRole('navigation').getByRole('link', { name: 'Receipts' }).click()
  await contributor.getByTestId('import-receipts').setInputFiles(file)
  await expect(contributor.getByTestId('import-result')).toHaveText('Imported 2, 0 already here, 0 rejected')
  await contributor.getByRole('navigation').getByRole('link', { name: 'Chat' }).click()
  await expect(contributor.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', verifierId, { timeout: 30_000 })
  await setAnswerSettings(contributor, { maxTokens: 128 })

  const consumer = await openProfile()
  await consumer.goto(relay.url)
  await expect(consumer.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', verifierId, { timeout: 30_000 })
  await setAnswerSettings(consumer, { maxTokens: 64 })

  // A long answer over HTTP holds the one sequence.
  const stopSaturating = await holdVerifierBusy(verifier.url, 'shoal-demo-512x16')

  await ask(consumer, 'I was here first.')
  await expect(lastAnswer(consumer).getByTestId('answer-waiting')).toContainText('as a consumer (contributors go first): position 1', { timeout: 30_000 })
  await ask(contributor, 'I drafted elsewhere.')
  await expect(lastAnswer(contributor).getByTestId('answer-waiting')).toContainText('as a contributor (ahead of consumers): position 1', { timeout: 30_000 })
  await expect(lastAnswer(consumer).getByTestId('answer-waiting')).toContainText('position 2')
  // Both presented receipts were checked and counted, once.
  expect((await readMetrics(verifier.url)).get('shoal_gpu_node_presented_receipts_counted_total')).toBe(2)
  expect((await readMetrics(verifier.url)).get('shoal_gpu_node_running')).toBe(1)

  stopSaturating()
  await expect(lastAnswer(contributor).getByTestId('answer-text')).toBeVisible({ timeout: 60_000 })
  await expect(lastAnswer(consumer).getByTestId('answer-text')).toHaveCount(0)
  await expect(lastAnswer(contributor)).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
  await expect(lastAnswer(consumer)).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })

  // Presented again with the next chat, the same receipts count nothing more (and are not reported as refused).
  await ask(contributor, 'Again.')
  await expect(lastAnswer(contributor)).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
  expect((await readMetrics(verifier.url)).get('shoal_gpu_node_presented_receipts_counted_total')).toBe(2)
  expect(verifier.output()).not.toMatch(/receipts presented by/)
})
