import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { newReceiptId, promptHash, receiptFile, sha256Hex, signReceipt } from '#protocol'
import type { Receipt } from '#protocol'
import { ask, lastAnswer, setAnswerSettings } from '../support/chat-page.ts'
import { e2eSession } from '../support/e2e-session.ts'
import { ensureDemoPair } from '../support/models.ts'
import { startGpuNode, startRelay, temporaryDirectory } from '../support/processes.ts'

/**
 * Who helped with an answer, where the user reads it: under each mesh
 * answer the page says how many contributors drafted, the share of tokens
 * they wrote and the verifier passes they saved (from the answer's signed
 * receipt), and nothing when no one drafted; an answer whose receipt says
 * its timings were emulated is marked so, in the chat and on /receipts.
 * Real relay, real verifier, real drafting tab (wllama) in the private network.
 */

const { processes, openProfile } = e2eSession()
const directories: string[] = []

test.afterEach(async () => {
  await Promise.all(directories.splice(0).map(async (directory) => { await rm(directory, { recursive: true, force: true }) }))
})

async function statOf (page: Page, name: string): Promise<number> {
  return Number(await page.getByTestId(`stat-${name}`).textContent())
}

test('an answer drafted for says who helped (contributors, share of tokens, passes saved); one the verifier wrote alone says nothing', async () => {
  test.setTimeout(360_000)
  await ensureDemoPair()
  const relay = await startRelay()
  processes.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--threads', '1', '--capacity', '1'] })
  processes.push(verifier)
  const verifierId = (await (await fetch(`${verifier.url}/health`)).json() as { peerId: string }).peerId

  const contributor = await openProfile()
  await contributor.goto(`${relay.url}/contribute`)
  await contributor.getByTestId('contribute-toggle').check()
  await expect(contributor.getByTestId('contribute-status')).toHaveAttribute('data-status', 'drafting', { timeout: 90_000 })

  const chatter = await openProfile()
  await chatter.goto(relay.url)
  await expect(chatter.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', verifierId, { timeout: 30_000 })
  await setAnswerSettings(chatter, { temperature: 0, maxTokens: 300 })

  await test.step('verifier only (the default): the answer has its receipt and no helpers', async () => {
    await expect(chatter.getByTestId('chat-privacy')).toHaveAttribute('data-policy', 'verifier-only')
    await ask(chatter, 'Tell me a story about a cat.')
    await expect(lastAnswer(chatter)).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
    await expect(lastAnswer(chatter).getByTestId('answer-receipt')).toHaveAttribute('data-status', 'kept', { timeout: 20_000 })
    await expect(lastAnswer(chatter).getByTestId('answer-help')).toHaveCount(0)
    await expect(lastAnswer(chatter).getByTestId('answer-emulated')).toHaveCount(0)
  })

  await test.step('drafters allowed: an answer drafted for names its one contributor, the tokens it wrote and the passes saved', async () => {
    await chatter.getByRole('button', { name: 'New chat' }).click()
    await chatter.getByTestId('chat-privacy').getByRole('combobox').selectOption('drafters-allowed')
    const questions = ['Tell me a story about a brave little dog.', 'Tell me a bedtime story.', 'Write a short story about a dragon named Rocky.', 'Tell me a story about sharing.']
    // Whether a draft arrives before the verifier gets there depends on how busy the machine is: ask until one was accepted.
    for (const [index, question] of questions.entries()) {
      if (index > 0) {
        if (await statOf(contributor, 'accepted') > 0) break
        await chatter.getByRole('button', { name: 'New chat' }).click()
      }
      await ask(chatter, question)
      await expect(lastAnswer(chatter)).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
      await expect(lastAnswer(chatter).getByTestId('answer-receipt')).toHaveAttribute('data-status', 'kept', { timeout: 20_000 })
    }
    await expect.poll(async () => statOf(contributor, 'accepted'), { timeout: 10_000 }).toBeGreaterThan(0)
    const help = lastAnswer(chatter).getByTestId('answer-help')
    await expect(help).toHaveText(/^drafted by 1 contributor: \d+ % of tokens, \d+ fewer verifier pass(es)?$/)
    const [, share, saved] = /: (\d+) % of tokens, (\d+) fewer/.exec(await help.textContent() ?? '') ?? []
    // The same answer's provenance on /receipts: the numbers under the answer come from that receipt.
    const receiptLink = lastAnswer(chatter).getByTestId('answer-receipt')
    const receiptId = (await receiptLink.getAttribute('href'))?.replace('/receipts#receipt-', '')
    await receiptLink.click()
    const provenance = chatter.locator(`[data-testid="provenance"][data-receipt-id="${receiptId}"]`)
    const tokensOut = Number(await provenance.getByTestId('provenance-tokens-out').textContent())
    const passes = Number(await provenance.getByTestId('provenance-passes').textContent())
    expect(Number(saved)).toBe(Math.max(0, tokensOut - passes))
    const accepted = Number(/^(\d+) of/.exec(await provenance.getByTestId('provenance-drafter-share').textContent() ?? '')?.[1])
    expect(Number(share)).toBe(Math.round(Math.min(1, accepted / tokensOut) * 100))
  })
})

test('a receipt whose timings were emulated is marked "emulated" on /receipts, with its label; a real one is not', async () => {
  test.setTimeout(120_000)
  const directory = await temporaryDirectory('shoal-emulated-')
  directories.push(directory)
  const relay = await startRelay()
  processes.push(relay)
  const page = await openProfile()

  const key = await generateKeyPair('Ed25519')
  const issuer = peerIdFromPrivateKey(key).toString()
  const subject = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const label = 'pass-cost h100-70b: 30 ms + 0.25 ms/token'
  const served = async (sequence: number, previousId: string, emulation?: string): Promise<Receipt> => {
    const text = `answer ${newReceiptId()}`
    return signReceipt({
      kind: 'served', id: newReceiptId(), issuer, subject, issuedAt: Date.now() - 60_000 + sequence, sequence, previousId,
      answerId: await sha256Hex(text), model: 'shoal-demo', promptTokens: 10, completionTokens: 20, queuedMs: 0, firstTokenMs: 30, totalMs: 200, passes: 20, drafters: [],
      promptHash: await promptHash([{ role: 'user', content: 'Hello?' }]), outputHash: await sha256Hex(text),
      ...(emulation === undefined ? {} : { emulation })
    }, key)
  }
  const real = await served(1, '')
  const emulated = await served(2, real.id, label)
  const path = join(directory, 'emulated.json')
  await writeFile(path, JSON.stringify(receiptFile([real, emulated])))

  await page.goto(`${relay.url}/receipts`)
  await page.getByTestId('import-receipts').setInputFiles(path)
  await expect(page.getByTestId('provenance')).toHaveCount(2)
  const emulatedRow = page.locator(`[data-testid="provenance"][data-receipt-id="${emulated.id}"]`)
  await expect(emulatedRow.getByTestId('provenance-emulated')).toHaveText('emulated')
  await expect(emulatedRow.getByTestId('provenance-emulation')).toHaveText(label)
  const realRow = page.locator(`[data-testid="provenance"][data-receipt-id="${real.id}"]`)
  await expect(realRow.getByTestId('provenance-emulated')).toHaveCount(0)
  await expect(realRow.getByTestId('provenance-emulation')).toHaveCount(0)
})
