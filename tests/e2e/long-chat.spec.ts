import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { ask, composer, lastAnswer, setAnswerSettings } from '../support/chat-page.ts'
import { e2eSession } from '../support/e2e-session.ts'
import { ensureDemoModels } from '../support/models.ts'
import { startGpuNode, startRelay } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'

/**
 * Long conversations with a real verifier: the page sends only what the
 * model's context holds (newest turns first), says so, shows how full the
 * context is, and asks for no longer an answer than there is room for. The
 * context length is read from the page (the verifier announces it), never
 * assumed. Runs inside the private test network.
 */

const { processes, openProfile } = e2eSession()

/**
 * A random model of the demo's shape (a 2,048-token context, answers that run to the token limit):
 * the case where default 512-token answers fill the context by turn 4. The trained story model
 * has a 512-token context and ends its stories early.
 */
async function startMesh (extraArgs: string[] = []): Promise<{ relay: ShoalProcess, verifierId: string }> {
  const { target } = await ensureDemoModels()
  const relay = await startRelay()
  processes.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--model', target, '--model-name', 'shoal-demo', ...extraArgs] })
  processes.push(verifier)
  const verifierId = (await (await fetch(`${verifier.url}/health`)).json() as { peerId: string }).peerId
  return { relay, verifierId }
}

async function openChat (relayUrl: string, verifierId: string): Promise<Page> {
  const page = await openProfile()
  await page.goto(relayUrl)
  await expect(page.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', verifierId, { timeout: 30_000 })
  return page
}

/** The answer length each stored answer was asked for, in order. */
async function askedMaxTokens (page: Page): Promise<Array<number | undefined>> {
  return page.evaluate(async () => {
    const database = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('shoal')
      request.onerror = () => { reject(request.error ?? new Error('open failed')) }
      request.onsuccess = () => { resolve(request.result) }
    })
    const all = await new Promise<Array<{ role: string, sequence: number, prompt?: { maxTokens: number } }>>((resolve, reject) => {
      const request = database.transaction('messages').objectStore('messages').getAll()
      request.onsuccess = () => { resolve(request.result) }
      request.onerror = () => { reject(request.error ?? new Error('read failed')) }
    })
    database.close()
    return all.filter((message) => message.role === 'assistant').sort((a, b) => a.sequence - b.sequence).map((message) => message.prompt?.maxTokens)
  })
}

test('a six-turn conversation at default settings never errors: older turns are left out, and the page says so', async ({}, testInfo) => {
  test.setTimeout(240_000)
  const { relay, verifierId } = await startMesh()
  const page = await openChat(relay.url, verifierId)
  const meter = page.getByTestId('context-use')

  for (let turn = 1; turn <= 6; turn++) {
    await ask(page, `Tell me a long story, part ${turn}.`)
    await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 60_000 })
    await expect(page.getByTestId('chat-status')).toHaveText('Answer complete.')
    await expect(page.getByTestId('chat-notice')).toHaveCount(0)
    // The prompt and the answer never exceed the context the verifier announced.
    const used = Number(await meter.getAttribute('data-used'))
    const contextLength = Number(await meter.getAttribute('data-context-length'))
    expect(contextLength).toBeGreaterThan(0)
    expect(used).toBeLessThanOrEqual(contextLength)
  }
  await expect(page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]')).toHaveCount(6)
  // Six answers of up to 512 tokens do not fit one context: the conversation says where the sent part starts.
  await expect(page.getByTestId('older-not-sent')).toHaveCount(1)
  await expect(page.getByTestId('older-not-sent')).toContainText('Older messages are not sent')
  await expect(meter).toContainText(/context [\d,]+ of [\d,]+ tokens/)
  // Every answer got the length the settings ask for: room was made by leaving turns out, not by cutting answers.
  expect(await askedMaxTokens(page)).toEqual([512, 512, 512, 512, 512, 512])
  // For a person to look at: where the sent part starts, and the context meter.
  await page.getByTestId('older-not-sent').scrollIntoViewIfNeeded()
  await page.screenshot({ path: testInfo.outputPath('older-not-sent-1280.png') })
  await page.setViewportSize({ width: 390, height: 844 })
  await page.getByTestId('older-not-sent').scrollIntoViewIfNeeded()
  await page.screenshot({ path: testInfo.outputPath('older-not-sent-390.png') })

  // A question that leaves less room than the answer length asks for: the answer length is cut to the room left,
  // and an answer that reaches it says the context is full, not the token limit.
  const contextLength = Number(await meter.getAttribute('data-context-length'))
  await ask(page, Array.from({ length: Math.ceil((contextLength - 400) / 6) }, () => 'waves').join(' '))
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 60_000 })
  const asked = (await askedMaxTokens(page)).at(-1) ?? 512
  expect(asked).toBeLessThan(512)
  expect(asked).toBeGreaterThan(0)
  const cut = lastAnswer(page).getByTestId('answer-cut')
  if (await cut.count() > 0) {
    await expect(cut).toHaveText('stopped: the context is full')
  }
  await expect(page.getByTestId('answer-status')).toHaveCount(0)
})

test('a first message too long for the context the verifier announced is not sent: the page says why and keeps the text', async () => {
  const { relay, verifierId } = await startMesh()
  const page = await openChat(relay.url, verifierId)
  // No answer yet: the page knows the context only from the verifier's announcement (the demo model holds 2048 tokens).
  const tooLong = 'x'.repeat(4096)
  await composer(page).fill(tooLong)
  await composer(page).press('Enter')
  await expect(page.getByRole('alert').getByTestId('chat-notice')).toContainText('This message is too long for the model')
  await expect(page.getByRole('alert').getByTestId('chat-notice')).toContainText('context holds 2048')
  await expect(composer(page)).toHaveValue(tooLong)
  await expect(page.getByTestId('message')).toHaveCount(0)
})

test('a question too long for the context is not sent: the page says why and keeps the text', async () => {
  const { relay, verifierId } = await startMesh()
  const page = await openChat(relay.url, verifierId)
  await ask(page, 'Hello there.')
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 60_000 })
  const contextLength = Number(await page.getByTestId('context-use').getAttribute('data-context-length'))
  const tooLong = 'x'.repeat(contextLength * 2)
  await composer(page).fill(tooLong)
  await composer(page).press('Enter')
  await expect(page.getByRole('alert').getByTestId('chat-notice')).toContainText('This message is too long for the model')
  await expect(page.getByRole('alert').getByTestId('chat-notice')).toContainText(`context holds ${contextLength}`)
  await expect(composer(page)).toHaveValue(tooLong)
  await expect(page.getByTestId('message')).toHaveCount(2)
})

test('after a failed answer, sending a long message brings it into view and the status follows the new answer', async () => {
  test.setTimeout(120_000)
  // The verifier refuses answers longer than 300 tokens: a real error to start from.
  const { relay, verifierId } = await startMesh(['--client-max-tokens', '300'])
  const page = await openChat(relay.url, verifierId)
  await page.setViewportSize({ width: 1280, height: 600 })
  await setAnswerSettings(page, { maxTokens: 200 })
  for (const question of ['Tell me a story.', 'Tell me another one.']) {
    await ask(page, question)
    await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 60_000 })
  }
  await setAnswerSettings(page, { maxTokens: 512 })
  await ask(page, 'And a third?')
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'error')
  await expect(page.getByTestId('chat-status')).toContainText('No answer')

  await setAnswerSettings(page, { maxTokens: 200 })
  await page.evaluate(() => { window.scrollTo({ top: 0 }) })
  // The reader is far from the bottom of the conversation.
  expect(await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight - window.scrollY)).toBeGreaterThan(400)
  const long = Array.from({ length: 30 }, (_, line) => `Line ${line + 1} of a long message about the harbour and its boats.`).join('\n')
  await ask(page, long)
  await expect(page.getByTestId('chat-status')).not.toContainText('No answer')
  const sent = page.locator('[data-testid="message"][data-role="user"]').last()
  await expect(sent).toContainText('Line 30 of a long message')
  await expect(sent).toBeInViewport()
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 60_000 })
  await expect(page.getByTestId('chat-status')).toHaveText('Answer complete.')
})
