import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { setAnswerSettings, storedAnswers } from '../support/chat-page.ts'
import { holdVerifierBusy } from '../support/busy-verifier.ts'
import { readMetrics } from '../support/metrics.ts'
import { ensureDemoModels, ensureDemoPair, referenceGreedyCompletion } from '../support/models.ts'
import { startGpuNode, startRelay, temporaryDirectory } from '../support/processes.ts'
import { runToExit } from '../integration/run-to-exit.ts'
import { e2eSession } from '../support/e2e-session.ts'

/**
 * Contributing end to end: one Chromium tab drafts (wllama, in its worker)
 * for a real verifier over direct WebRTC while another tab chats. The
 * answer must be the verifier's own, and the contributor must see its
 * drafts accepted. Runs inside the private test network.
 */

const { processes, profiles, openProfile } = e2eSession()

async function statOf (page: Page, name: string): Promise<number> {
  return Number(await page.getByTestId(`stat-${name}`).textContent())
}

test('with the defaults (the demo pair), the Contribute page\'s draft drafts for the verifier: the answer is the verifier\'s own, drafts are accepted', async () => {
  test.setTimeout(300_000)
  const pair = await ensureDemoPair()
  const relay = await startRelay()
  processes.push(relay)
  // No --model: the verifier runs the demo target; one thread, as on a small machine.
  const verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--threads', '1', '--capacity', '1'] })
  processes.push(verifier)
  const verifierId = (await (await fetch(`${verifier.url}/health`)).json() as { peerId: string }).peerId

  const contributor = await openProfile()
  await contributor.goto(`${relay.url}/contribute`)
  await expect(contributor.getByTestId('draft-model')).toHaveValue('shoal-stories-draft')
  await contributor.getByTestId('contribute-toggle').check()
  await expect(contributor.getByTestId('contribute-status')).toHaveAttribute('data-status', 'drafting', { timeout: 90_000 })
  // Headless Chromium here has no (hardware) WebGPU, and the demo target has no WebLLM pairing: wllama drafts, and the page says why.
  await expect(contributor.getByTestId('draft-engine')).toHaveText('wllama (WebAssembly)')
  await expect(contributor.getByTestId('draft-engine-reason')).toHaveText(/^(No WebGPU for WebLLM|The WebGPU adapter .* is a software renderer)/)

  const chatter = await openProfile()
  await chatter.goto(relay.url)
  await expect(chatter.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', verifierId, { timeout: 30_000 })
  await chatter.getByTestId('chat-privacy').getByRole('combobox').selectOption('drafters-allowed')
  // Within the 512 tokens the pair was trained for.
  const maxTokens = 300
  await setAnswerSettings(chatter, { temperature: 0, maxTokens })
  const composer = chatter.getByRole('textbox', { name: 'Message' })
  const answer = chatter.locator('[data-testid="message"][data-role="assistant"]').last()
  const questions = ['Tell me a story about a brave little dog.', 'Tell me a bedtime story.', 'Write a short story about a dragon named Rocky.', 'Tell me a story about sharing.']
  // Whether a draft arrives before the verifier gets there depends on how busy the machine is:
  // ask (up to four answers, each checked against the reference) until some were accepted.
  for (const [index, question] of questions.entries()) {
    if (index > 0) {
      if (await statOf(contributor, 'accepted') > 0) break
      await chatter.getByRole('button', { name: 'New chat' }).click()
      // Ask only once the new conversation is open: asked sooner, the question joins the last one, and its answer follows the earlier story.
      await expect(chatter.getByTestId('message')).toHaveCount(0)
    }
    await composer.fill(question)
    await composer.press('Enter')
    await expect(answer).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
    const expected = await referenceGreedyCompletion(pair.target, [{ role: 'user', content: question }], maxTokens)
    expect((await storedAnswers(chatter)).at(-1)?.content, question).toBe(expected.text)
  }
  expect(await statOf(contributor, 'drafted')).toBeGreaterThan(0)
  await expect.poll(async () => statOf(contributor, 'accepted'), { timeout: 10_000 }).toBeGreaterThan(0)
})

test('a contributing tab drafts for another tab\'s chat (the verifier\'s own answer, drafts accepted), earns receipts that verify offline, and is served first at a busy verifier', async () => {
  test.setTimeout(420_000)
  // A random 512x16 pair, not the demo pair: the verifier takes several ms per token, as a real
  // model would, so a long answer holds it busy for the priority check at the end.
  const models = await ensureDemoModels({ width: 512, layers: 16 })
  const relay = await startRelay()
  processes.push(relay)
  // One sequence, so the verifier can be saturated at the end to see who is served first.
  const verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--model', models.target, '--model-name', 'shoal-demo-512x16', '--threads', '1', '--capacity', '1'] })
  processes.push(verifier)
  const verifierId = (await (await fetch(`${verifier.url}/health`)).json() as { peerId: string }).peerId

  const contributor = await openProfile()
  await contributor.goto(`${relay.url}/contribute?model=shoal-demo-v1-draft-small-512x16`)
  await contributor.getByTestId('contribute-toggle').check()
  await expect(contributor.getByTestId('contribute-status')).toHaveAttribute('data-status', 'drafting', { timeout: 90_000 })

  const chatter = await openProfile()
  await chatter.goto(relay.url)
  await expect(chatter.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', verifierId, { timeout: 30_000 })
  // New chats may be drafted for; the default is "verifier only".
  await expect(chatter.getByTestId('chat-privacy')).toHaveAttribute('data-policy', 'verifier-only')
  await chatter.getByTestId('chat-privacy').getByRole('combobox').selectOption('drafters-allowed')
  const panel = chatter.locator('details', { hasText: 'Answer settings' })
  await panel.locator('summary').click()
  await chatter.getByLabel('Temperature').fill('0')
  await chatter.getByLabel('Max tokens').fill('900')
  await expect(panel.locator('summary')).toContainText('temperature 0 · up to 900 tokens')

  const question = 'Tell me a long story about the sea, the wind and the ships.'
  const composer = chatter.getByRole('textbox', { name: 'Message' })
  await composer.fill(question)
  await composer.press('Enter')
  const answer = chatter.locator('[data-testid="message"][data-role="assistant"]').last()
  await expect(answer).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
  const expected = await referenceGreedyCompletion(models.target, [{ role: 'user', content: question }], 900)
  expect((await storedAnswers(chatter)).at(-1)?.content).toBe(expected.text)
  await expect(chatter.getByTestId('chat-privacy')).toHaveAttribute('data-policy', 'drafters-allowed')

  await expect.poll(async () => statOf(contributor, 'jobs'), { timeout: 10_000 }).toBe(1)
  expect(await statOf(contributor, 'drafted')).toBeGreaterThan(0)
  // Whether a draft arrives before the verifier gets there depends on how busy the machine is:
  // ask again (up to three more answers) until some were accepted.
  for (let more = 0; more < 3 && await statOf(contributor, 'accepted') === 0; more++) {
    // A new chat each time (the default is now "the verifier and contributors"): a long answer fills the context.
    await chatter.getByRole('button', { name: 'New chat' }).click()
    await composer.fill(`${question} Again, please (${more}).`)
    await composer.press('Enter')
    await expect(answer).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
  }
  await expect.poll(async () => statOf(contributor, 'accepted'), { timeout: 10_000 }).toBeGreaterThan(0)
  const jobs = await statOf(contributor, 'jobs')
  // Answers drafted for earned the tab `drafted` receipts (one per job that drafted anything), checked and kept as they arrived.
  await expect.poll(async () => statOf(contributor, 'receipts'), { timeout: 10_000 }).toBeGreaterThan(0)
  const earned = await statOf(contributor, 'receipts')
  expect(earned).toBeLessThanOrEqual(jobs)
  await expect(contributor.getByTestId('receipts-refused')).toHaveCount(0)

  // A chat kept between the page and the verifier never reaches the contributor.
  await chatter.getByRole('button', { name: 'New chat' }).click()
  await chatter.getByTestId('chat-privacy').getByRole('combobox').selectOption('verifier-only')
  // The verifier opens a draft job before an answer's first pass, so once the answer is complete its
  // job counter says whether this chat went to a drafter.
  const opened = (await readMetrics(verifier.url)).get('shoal_gpu_node_draft_jobs_opened_total')
  await composer.fill('Something private.')
  await composer.press('Enter')
  await expect(answer).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
  expect((await readMetrics(verifier.url)).get('shoal_gpu_node_draft_jobs_opened_total')).toBe(opened)
  expect(await statOf(contributor, 'jobs')).toBe(jobs)

  // A receipt lost on the way (here: the newest, deleted from the tab's IndexedDB) comes back: the
  // tab's next draft hello asks for what follows the newest it holds, and the verifier sends it again.
  const lostId = await contributor.evaluate(async (issuer) => new Promise<string>((resolve, reject) => {
    const opening = indexedDB.open('shoal')
    opening.onerror = () => { reject(opening.error ?? new Error('IndexedDB')) }
    opening.onsuccess = () => {
      const store = opening.result.transaction('receipts', 'readwrite').objectStore('receipts')
      const listing = store.getAll()
      listing.onsuccess = () => {
        const mine = (listing.result as Array<{ issuer: string, id: string, sequence: number }>).filter((receipt) => receipt.issuer === issuer)
        const newest = mine.sort((left, right) => right.sequence - left.sequence)[0]
        if (newest === undefined) { reject(new Error('no receipt to lose')); return }
        store.delete([issuer, newest.id]).onsuccess = () => { resolve(newest.id) }
      }
    }
  }), verifierId)
  expect(lostId).toMatch(/^[0-9a-f]{32}$/)

  // The toggle is remembered: after a reload the tab contributes again by itself.
  await contributor.reload()
  await expect(contributor.getByTestId('contribute-status')).toHaveAttribute('data-status', 'drafting', { timeout: 90_000 })
  // Another tab of the same browser does not start a second contributor.
  const second = await contributor.context().newPage()
  await second.goto(`${relay.url}/contribute`)
  await expect(second.getByTestId('contributing-elsewhere')).toBeVisible({ timeout: 30_000 })
  await expect(second.getByTestId('contribute-status')).toHaveAttribute('data-status', 'off')
  await expect(contributor.getByTestId('contribute-status')).toHaveAttribute('data-status', 'drafting')
  await second.close()

  // The receipts, kept before the reload (and the lost one, sent again), are on the contributor's receipts page.
  await contributor.getByRole('navigation').getByRole('link', { name: 'Receipts' }).click()
  const ledgerRow = contributor.getByTestId('ledger-row').and(contributor.locator(`[data-issuer="${verifierId}"]`))
  await expect(ledgerRow).toBeVisible({ timeout: 30_000 })
  await expect(contributor.getByTestId('drafted-count')).toHaveText(String(earned))
  await expect(contributor.getByTestId('chain-integrity').first()).toHaveAttribute('data-status', 'intact')
  // Exported, they verify offline; one flipped byte and they do not.
  const downloading = contributor.waitForEvent('download')
  await contributor.getByTestId('export-receipts').click()
  const exported = await (await downloading).path()
  const verified = await runToExit('scripts/verify-receipts.ts', [exported, '--trust', verifierId])
  expect(verified.stdout).toContain(`OK: ${earned} receipts verified`)
  expect(verified.code).toBe(0)
  const text = await readFile(exported, 'utf8')
  const signatureAt = text.indexOf('"signature": "') + '"signature": "'.length + 10
  const flipped = join(await temporaryDirectory(), 'flipped.json')
  await writeFile(flipped, text.slice(0, signatureAt) + (text[signatureAt] === 'A' ? 'B' : 'A') + text.slice(signatureAt + 1))
  const failed = await runToExit('scripts/verify-receipts.ts', [flipped])
  expect(failed.stdout).toContain('signature does not match')
  expect(failed.code).toBe(1)

  // Saturate the verifier's one sequence with a long answer over HTTP.
  const stopSaturating = await holdVerifierBusy(verifier.url, 'shoal-demo-512x16')

  // A consumer asks first and waits; then the contributor asks, and goes ahead of it. Short answers
  // keep the consumer's wait short.
  await setAnswerSettings(chatter, { maxTokens: 64 })
  await chatter.getByRole('button', { name: 'New chat' }).click()
  await composer.fill('A question from a consumer.')
  await composer.press('Enter')
  const consumerAnswer = chatter.locator('[data-testid="message"][data-role="assistant"]').last()
  await expect(consumerAnswer.getByTestId('answer-waiting')).toContainText('as a consumer (contributors go first): position 1', { timeout: 30_000 })

  await contributor.getByRole('navigation').getByRole('link', { name: 'Chat' }).click()
  await setAnswerSettings(contributor, { maxTokens: 128 })
  const contributorComposer = contributor.getByRole('textbox', { name: 'Message' })
  await contributorComposer.fill('A question from a contributor.')
  await contributorComposer.press('Enter')
  const contributorAnswer = contributor.locator('[data-testid="message"][data-role="assistant"]').last()
  await expect(contributorAnswer.getByTestId('answer-waiting')).toContainText('as a contributor (ahead of consumers): position 1', { timeout: 30_000 })
  await expect(consumerAnswer.getByTestId('answer-waiting')).toContainText('position 2')
  expect((await readMetrics(verifier.url)).get('shoal_gpu_node_running')).toBe(1)

  // The long answer ends: the contributor is served first, while the consumer still waits...
  stopSaturating()
  await expect(contributorAnswer.getByTestId('answer-text')).toBeVisible({ timeout: 60_000 })
  await expect(consumerAnswer.getByTestId('answer-text')).toHaveCount(0)
  await expect(consumerAnswer.getByTestId('answer-waiting')).toContainText('position 1')
  // ...and then the consumer is served too. Each answer comes with a receipt the page checked and kept.
  await expect(contributorAnswer).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
  await expect(consumerAnswer).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
  await expect(contributorAnswer.getByTestId('answer-receipt')).toHaveAttribute('data-status', 'kept')
  await expect(consumerAnswer.getByTestId('answer-receipt')).toHaveAttribute('data-status', 'kept')
})
