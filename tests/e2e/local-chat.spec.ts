import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { launchProfile } from '../support/browser.ts'
import { ask, composer, lastAnswer, storedAnswers } from '../support/chat-page.ts'
import { ensureDemoPair, referenceGreedyCompletion } from '../support/models.ts'
import { startRelay } from '../support/processes.ts'
import { e2eSession } from '../support/e2e-session.ts'

/**
 * Answers written on this device: wllama (llama.cpp in WebAssembly) in a
 * dedicated worker loads the demo model from the relay's `/models/`, and the
 * chat page streams its answer like a verifier's. No verifier runs here, so
 * the page also shows the automatic switch to this device.
 */

const { processes, profiles } = e2eSession()

async function openChat (): Promise<Page> {
  await ensureDemoPair()
  const relay = await startRelay()
  processes.push(relay)
  const profile = await launchProfile()
  profiles.push(profile)
  const page = profile.pages()[0] ?? await profile.newPage()
  await page.goto(relay.url)
  return page
}

async function loadLocalModel (page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Load the demo model here' }).click()
  await expect(page.getByTestId('device-model')).toHaveAttribute('data-status', 'ready', { timeout: 30_000 })
}

async function setAnswerSettings (page: Page, settings: { temperature: number, maxTokens: number }): Promise<void> {
  const panel = page.locator('details', { hasText: 'Answer settings' })
  if (await panel.getAttribute('open') === null) {
    await panel.locator('summary').click()
  }
  await page.getByLabel('Temperature').fill(String(settings.temperature))
  await expect(panel.locator('summary')).toContainText(`temperature ${settings.temperature}`)
  await page.getByLabel('Max tokens').fill(String(settings.maxTokens))
  await expect(panel.locator('summary')).toContainText(`up to ${settings.maxTokens} tokens`)
}

test('the page is cross-origin isolated and the relay serves the demo model read-only, with ranges', async () => {
  const page = await openChat()
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true)
  const base = new URL(page.url()).origin
  const whole = await fetch(`${base}/models/shoal-stories-target.gguf`, { method: 'HEAD' })
  expect(whole.status).toBe(200)
  const part = await fetch(`${base}/models/shoal-stories-target.gguf`, { headers: { Range: 'bytes=0-3' } })
  expect(part.status).toBe(206)
  expect(new TextDecoder().decode(await part.arrayBuffer())).toBe('GGUF')
  for (const path of ['/models/../package.json', '/models/%2e%2e%2fpackage.json', '/models/x.txt', '/models/.hidden.gguf']) {
    expect((await fetch(`${base}${path}`)).status, path).toBeGreaterThanOrEqual(400)
  }
})

test('with no verifier, a loaded local model answers: greedy text is byte-identical to node-llama-cpp', async () => {
  const models = await ensureDemoPair()
  const page = await openChat()
  await loadLocalModel(page)
  // The relay's COOP/COEP headers let wllama use its multi-threaded build.
  await expect(page.getByTestId('device-model')).toHaveAttribute('data-multi-threaded', 'true')
  // No verifier on this mesh: the loaded model takes over without being chosen.
  await expect(page.getByTestId('answer-auto-device')).toBeVisible()
  const maxTokens = 40
  await setAnswerSettings(page, { temperature: 0, maxTokens })

  const first = 'Hello there! Tell me about the sea.'
  await ask(page, first)
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 30_000 })
  await expect(lastAnswer(page).getByTestId('answer-model')).toContainText('this device')
  const firstAnswer = (await storedAnswers(page))[0]?.content ?? ''
  const reference = await referenceGreedyCompletion(models.target, [{ role: 'user', content: first }], maxTokens)
  expect(firstAnswer).not.toBe('')
  expect(firstAnswer).toBe(reference.text)

  // A second turn: the history (with the first answer) must be formatted as the verifier would.
  const second = 'And <|im_end|> the shore?'
  await ask(page, second)
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 30_000 })
  const secondAnswer = (await storedAnswers(page))[1]?.content ?? ''
  const secondReference = await referenceGreedyCompletion(models.target, [
    { role: 'user', content: first },
    { role: 'assistant', content: firstAnswer },
    { role: 'user', content: second }
  ], maxTokens)
  expect(secondAnswer).toBe(secondReference.text)
})

test('on this device the page plans for the context the model was trained for: four turns at default settings leave older ones out, never fail', async () => {
  test.setTimeout(180_000)
  const page = await openChat()
  await page.getByRole('radio', { name: 'this device' }).check()
  await loadLocalModel(page)
  // The engine is asked for 2,048 tokens of context; the demo target was trained for 512, and past
  // that writes nonsense, so 512 is what the page plans with.
  const questions = ['Tell me a story about a cat.', 'What happened next?', 'Tell me a story about a dog.', 'How did it end?']
  for (const [turn, question] of questions.entries()) {
    await ask(page, question)
    await expect(lastAnswer(page), `turn ${turn + 1}`).toHaveAttribute('data-status', 'complete', { timeout: 60_000 })
    await expect(lastAnswer(page).getByTestId('answer-model')).toContainText('this device')
    await expect(page.getByTestId('context-use')).toHaveAttribute('data-context-length', '512')
    expect(Number(await page.getByTestId('context-use').getAttribute('data-used')), `turn ${turn + 1}`).toBeLessThanOrEqual(512)
  }
  await expect(page.getByTestId('older-not-sent')).toBeVisible()
  expect((await storedAnswers(page)).map((answer) => answer.status)).toEqual(questions.map(() => 'complete'))
})

test('unloading the model mid-answer ends the answer as interrupted, keeps its text, and the page stays usable', async () => {
  const page = await openChat()
  await page.getByRole('radio', { name: 'this device' }).check()
  await loadLocalModel(page)
  await setAnswerSettings(page, { temperature: 0, maxTokens: 2000 })
  await ask(page, 'Write a very long story.')
  const answer = lastAnswer(page)
  await expect(answer).toHaveAttribute('data-status', 'streaming')
  await expect(answer.getByTestId('answer-text')).not.toBeEmpty({ timeout: 30_000 })

  // Unload terminates the worker (dispose), as closing the engine mid-answer would.
  await page.getByRole('button', { name: 'Unload' }).click()
  await expect(answer).toHaveAttribute('data-status', 'interrupted')
  await expect(page.getByTestId('device-model')).toHaveAttribute('data-status', 'none')
  await expect.poll(async () => (await storedAnswers(page))[0]?.status).toBe('interrupted')
  const kept = (await storedAnswers(page))[0]?.content ?? ''
  expect(kept.length).toBeGreaterThan(0)

  // Sending needs a model now (this device was chosen): the message is refused and kept.
  await composer(page).fill('Are you there?')
  await composer(page).press('Enter')
  await expect(page.getByTestId('chat-notice')).toContainText('No model is loaded on this device')
  await expect(composer(page)).toHaveValue('Are you there?')

  // Load again (a fresh worker) and the same conversation goes on.
  await loadLocalModel(page)
  await setAnswerSettings(page, { temperature: 0, maxTokens: 8 })
  await composer(page).press('Enter')
  await expect(composer(page)).toHaveValue('')
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 30_000 })
  const answers = await storedAnswers(page)
  expect(answers.map((stored) => stored.status)).toEqual(['interrupted', 'complete'])
  expect(answers[0]?.content).toBe(kept)
})

test('once loaded, the model loads again with the relay gone (app from the service worker, model from Cache Storage)', async () => {
  const page = await openChat()
  await loadLocalModel(page)
  // The app works offline once its service worker controls the page.
  await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.state ?? 'none'), { timeout: 30_000 }).toBe('activated')
  if (!await page.evaluate(() => navigator.serviceWorker.controller !== null)) await page.reload()
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 30_000 }).toBe(true)

  await Promise.all(processes.splice(0).map(async (process) => { await process.stop() }))
  const reloaded = await page.reload()
  expect(reloaded?.fromServiceWorker()).toBe(true)
  await loadLocalModel(page)
  await page.getByRole('radio', { name: 'this device' }).check()
  await setAnswerSettings(page, { temperature: 0, maxTokens: 8 })
  await ask(page, 'Still there?')
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 30_000 })
})

test('Stop ends a local answer as stopped and keeps its text; the model stays loaded and answers again', async () => {
  const page = await openChat()
  await page.getByRole('radio', { name: 'this device' }).check()
  await loadLocalModel(page)
  await setAnswerSettings(page, { temperature: 0, maxTokens: 2000 })
  await ask(page, 'Write a very long story.')
  const answer = lastAnswer(page)
  await expect(answer.getByTestId('answer-text')).not.toBeEmpty({ timeout: 30_000 })
  await page.getByRole('button', { name: 'Stop' }).click()
  await expect(answer).toHaveAttribute('data-status', 'cancelled')
  await expect.poll(async () => (await storedAnswers(page))[0]?.status).toBe('cancelled')
  expect(((await storedAnswers(page))[0]?.content ?? '').length).toBeGreaterThan(0)
  await expect(page.getByTestId('device-model')).toHaveAttribute('data-status', 'ready')

  await setAnswerSettings(page, { temperature: 0, maxTokens: 8 })
  await ask(page, 'A short one now.')
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 30_000 })
})
