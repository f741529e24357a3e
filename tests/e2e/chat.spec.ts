import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { ask, composer, lastAnswer, setAnswerSettings, storedAnswers } from '../support/chat-page.ts'
import { ensureDemoModels, ensureDemoPair, referenceGreedyCompletion } from '../support/models.ts'
import { startGpuNode, startRelay } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'
import { e2eSession } from '../support/e2e-session.ts'

/**
 * The chat page end to end: a real relay serving the built app, Chromium,
 * and (where the test needs answers) real verifiers running the demo model.
 * Runs inside the private test network (scripts/private-network.sh).
 */

const { processes, profiles, openProfile } = e2eSession()

async function peerIdOf (process: ShoalProcess): Promise<string> {
  const health = await (await fetch(`${process.url}/health`)).json() as { peerId: string }
  return health.peerId
}

/**
 * gpu-node options for a verifier whose answers take seconds, not
 * milliseconds: the demo model at 512x8 on one thread writes a few hundred
 * tokens a second, so a long answer is still streaming when a test stops it,
 * kills its verifier or queues behind it. (The default 256x4 demo model can
 * finish a 2000-token answer before the test gets to click.)
 */
async function slowVerifierArgs (): Promise<string[]> {
  const models = await ensureDemoModels({ width: 512, layers: 8 })
  return ['--model', models.target, '--model-name', 'shoal-demo-512x8', '--threads', '1']
}

/** A relay and a verifier running the built-in demo model. */
async function startMesh (options: { slow?: boolean } = {}): Promise<{ relay: ShoalProcess, verifier: ShoalProcess, verifierId: string }> {
  const relay = await startRelay()
  processes.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: options.slow === true ? await slowVerifierArgs() : [] })
  processes.push(verifier)
  return { relay, verifier, verifierId: await peerIdOf(verifier) }
}

/** Opens the chat page and waits until it would send to `verifierId`. */
async function openChat (relayUrl: string, verifierId: string): Promise<Page> {
  const page = await openProfile()
  await page.goto(relayUrl)
  await expect(page.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', verifierId, { timeout: 30_000 })
  return page
}

/**
 * Waits until the newest answer is streaming and shows some text; returns that text, without the
 * line break the rendered Markdown ends with (text that follows continues the same paragraph).
 */
async function partialAnswer (page: Page): Promise<string> {
  const answer = lastAnswer(page)
  await expect(answer).toHaveAttribute('data-status', 'streaming')
  await expect(answer.getByTestId('answer-text')).not.toBeEmpty({ timeout: 30_000 })
  return ((await answer.getByTestId('answer-text').textContent()) ?? '').trimEnd()
}

test('with no verifier reachable, the page says so and keeps the typed message', async () => {
  const relay = await startRelay()
  processes.push(relay)
  const page = await openProfile()
  await page.goto(relay.url)
  await expect(page.getByTestId('verifier-status')).toHaveText('No verifier reachable')

  await composer(page).fill('Is anyone there?')
  await composer(page).press('Enter')
  // It waits a few seconds for a verifier to be heard of, then gives up.
  await expect(page.getByRole('status').filter({ hasText: 'Looking for a verifier…' })).toBeVisible()
  await expect(page.getByRole('alert').getByTestId('chat-notice')).toContainText('No verifier is reachable right now')
  await expect(composer(page)).toHaveValue('Is anyone there?')
  await expect(page.getByTestId('message')).toHaveCount(0)
  await expect(page.getByTestId('conversation')).toHaveCount(0)
})

test('a version 1 database keeps its data and gains the chat and receipt stores', async () => {
  const relay = await startRelay()
  processes.push(relay)
  const page = await openProfile()
  // A file from the app's origin that does not start the app, so nothing else opens the database.
  await page.goto(`${relay.url}/manifest.webmanifest`)
  await page.evaluate(async () => {
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open('shoal', 1)
      request.onupgradeneeded = () => { request.result.createObjectStore('keyValue') }
      request.onerror = () => { reject(request.error ?? new Error('open failed')) }
      request.onsuccess = () => {
        const database = request.result
        const transaction = database.transaction('keyValue', 'readwrite')
        transaction.objectStore('keyValue').put('kept since v1', 'legacy-setting')
        transaction.objectStore('keyValue').put(new Uint8Array([1, 2, 3]), 'legacy-bytes')
        transaction.oncomplete = () => { database.close(); resolve() }
        transaction.onerror = () => { reject(transaction.error ?? new Error('write failed')) }
      }
    })
  })

  await page.goto(relay.url)
  await expect(page.getByRole('heading', { name: 'New chat' })).toBeVisible()
  await expect(page.getByRole('navigation', { name: 'Conversations' })).toContainText('No conversations yet.')
  const upgraded = await page.evaluate(async () => {
    const database = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('shoal')
      request.onerror = () => { reject(request.error ?? new Error('open failed')) }
      request.onsuccess = () => { resolve(request.result) }
    })
    const read = (key: string): Promise<unknown> => new Promise((resolve, reject) => {
      const request = database.transaction('keyValue').objectStore('keyValue').get(key)
      request.onsuccess = () => { resolve(request.result) }
      request.onerror = () => { reject(request.error ?? new Error('read failed')) }
    })
    const messages = database.transaction('messages').objectStore('messages')
    const result = {
      version: database.version,
      stores: [...database.objectStoreNames].sort(),
      messageIndexes: [...messages.indexNames].sort(),
      conversationIndexes: [...database.transaction('conversations').objectStore('conversations').indexNames],
      receiptIndexes: [...database.transaction('receipts').objectStore('receipts').indexNames].sort(),
      setting: await read('legacy-setting'),
      bytes: Array.from(await read('legacy-bytes') as Uint8Array)
    }
    database.close()
    return result
  })
  expect(upgraded).toEqual({
    version: 3,
    stores: ['conversations', 'keyValue', 'messages', 'receipts'],
    messageIndexes: ['by-conversation', 'by-status'],
    conversationIndexes: ['by-updated'],
    receiptIndexes: ['by-chain', 'by-issued', 'by-kind-issued'],
    setting: 'kept since v1',
    bytes: [1, 2, 3]
  })
})

test('an answer streams as it is generated, equals the greedy reference, and is still there after a reload', async () => {
  test.setTimeout(180_000)
  // A story request: the demo model answers it at length (other questions get a line or two).
  const question = 'Tell me a story about the sea.'
  // Long enough to stream over several display frames (text comes at most once per frame).
  const maxTokens = 160
  const models = await ensureDemoPair()
  const { relay, verifierId } = await startMesh()
  const page = await openChat(relay.url, verifierId)
  await setAnswerSettings(page, { temperature: 0, maxTokens })

  // Record the answer's visible text each time the page changes it while it streams.
  await page.evaluate(() => {
    const seen: number[] = []
    Object.assign(window, { answerLengthsWhileStreaming: seen })
    new MutationObserver(() => {
      const answers = document.querySelectorAll('[data-testid="message"][data-role="assistant"]')
      const answer = answers[answers.length - 1]
      if (answer?.getAttribute('data-status') !== 'streaming') return
      const length = answer.querySelector('[data-testid="answer-text"]')?.textContent?.length ?? 0
      if (length > 0 && seen.at(-1) !== length) seen.push(length)
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
  })

  await ask(page, question)
  const answer = lastAnswer(page)
  await expect(answer).toHaveAttribute('data-status', 'complete', { timeout: 60_000 })
  const lengths = await page.evaluate(() => (window as unknown as { answerLengthsWhileStreaming: number[] }).answerLengthsWhileStreaming)
  expect(lengths.length, `the answer grew while streaming: ${JSON.stringify(lengths)}`).toBeGreaterThanOrEqual(2)
  expect([...lengths].sort((a, b) => a - b)).toEqual(lengths)

  // Byte for byte what node-llama-cpp answers on its own, greedy, for the same conversation.
  const reference = await referenceGreedyCompletion(models.target, [{ role: 'user', content: question }], maxTokens)
  const [stored] = await storedAnswers(page)
  expect(stored).toEqual({ content: reference.text, status: 'complete' })

  // Who answered, with what, and that it is the demo model.
  await expect(answer.getByTestId('answer-verifier')).toHaveText(`verifier …${verifierId.slice(-8)}`)
  await expect(answer.getByTestId('answer-model')).toHaveText('shoal-demo')
  await expect(answer.getByTestId('answer-demo')).toBeVisible()
  // The notice says what the demo model is: a tiny story model, not a source of facts.
  await expect(page.getByTestId('demo-notice')).toContainText('demo model')
  await expect(page.getByTestId('demo-notice')).toContainText('trained on simple children\'s stories')
  await expect(page.getByTestId('demo-notice')).not.toContainText('meaningless')
  await expect(page.getByTestId('conversation')).toHaveCount(1)
  await expect(page.getByTestId('conversation')).toContainText(question)
  await expect(page.getByRole('status').filter({ hasText: 'Answer complete.' })).toBeVisible()
  const shownText = await answer.getByTestId('answer-text').textContent()

  await page.reload()
  await expect(page.getByRole('heading', { name: question })).toBeVisible()
  await expect(page.getByTestId('conversation')).toContainText(question)
  await expect(page.locator('[data-testid="message"][data-role="user"]')).toHaveText(question)
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete')
  await expect(lastAnswer(page).getByTestId('answer-text')).toHaveText(shownText ?? '')
  expect(await storedAnswers(page)).toEqual([{ content: reference.text, status: 'complete' }])

  // A second conversation: listed first, each opens its own messages, and one can be deleted.
  await page.getByRole('button', { name: 'New chat' }).click()
  await expect(page.getByRole('heading', { name: 'New chat' })).toBeVisible()
  await ask(page, 'Another question')
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 60_000 })
  const conversations = page.getByTestId('conversation')
  await expect(conversations).toHaveText([/^Another question/, /^Tell me a story about the sea\./])
  await conversations.nth(1).getByRole('button', { name: /^Tell me a story about the sea\./ }).click()
  await expect(page.getByRole('heading', { name: question })).toBeVisible()
  await expect(page.locator('[data-testid="message"][data-role="user"]')).toHaveText([question])
  await conversations.nth(0).getByRole('button', { name: 'Delete “Another question”' }).click()
  await page.getByRole('group', { name: 'Delete “Another question”?' }).getByRole('button', { name: 'Delete' }).click()
  await expect(conversations).toHaveCount(1)
  await expect(page.getByRole('heading', { name: question })).toBeVisible()
  expect(await storedAnswers(page)).toEqual([{ content: reference.text, status: 'complete' }])
})

test('when the verifier dies mid-answer the partial answer stays, marked interrupted, and Retry answers from a new verifier', async () => {
  test.setTimeout(180_000)
  const { relay, verifier, verifierId } = await startMesh({ slow: true })
  const page = await openChat(relay.url, verifierId)
  await setAnswerSettings(page, { temperature: 0, maxTokens: 4000 })
  await ask(page, 'Write me a very long story.')
  const partial = await partialAnswer(page)

  await verifier.kill()
  const answer = lastAnswer(page)
  await expect(answer).toHaveAttribute('data-status', 'interrupted', { timeout: 60_000 })
  await expect(answer.getByTestId('answer-status')).toHaveText('interrupted')
  const kept = (await answer.getByTestId('answer-text').textContent()) ?? ''
  expect(kept.startsWith(partial.slice(0, 20)), `the partial answer ${JSON.stringify(partial.slice(0, 20))} is kept`).toBe(true)
  expect(kept.length).toBeGreaterThanOrEqual(partial.length)
  await expect(answer.getByRole('button', { name: 'Retry' })).toBeEnabled()

  const replacement = await startGpuNode({ relayUrl: relay.url, extraArgs: await slowVerifierArgs() })
  processes.push(replacement)
  const replacementId = await peerIdOf(replacement)
  await expect(page.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', replacementId, { timeout: 30_000 })
  await setAnswerSettings(page, { maxTokens: 24 })
  await answer.getByRole('button', { name: 'Retry' }).click()
  await expect(answer).toHaveAttribute('data-status', 'complete', { timeout: 60_000 })
  await expect(answer.getByTestId('answer-verifier')).toHaveText(`verifier …${replacementId.slice(-8)}`)
  await expect(answer.getByTestId('answer-text')).not.toBeEmpty()
  await expect(page.locator('[data-testid="message"]')).toHaveCount(2)
})

test('Stop cancels an answer and keeps what arrived; a reload mid-answer leaves it interrupted', async () => {
  test.setTimeout(180_000)
  const { relay, verifierId } = await startMesh({ slow: true })
  const page = await openChat(relay.url, verifierId)
  await setAnswerSettings(page, { temperature: 0, maxTokens: 4000 })

  await ask(page, 'Count to a million, slowly.')
  await partialAnswer(page)
  await page.getByRole('button', { name: 'Stop' }).click()
  const answer = lastAnswer(page)
  await expect(answer).toHaveAttribute('data-status', 'cancelled')
  await expect(answer.getByTestId('answer-status')).toHaveText('stopped')
  await expect(page.getByRole('button', { name: 'Send' })).toBeVisible()
  const kept = (await answer.getByTestId('answer-text').textContent()) ?? ''
  expect(kept.length).toBeGreaterThan(0)
  // The stored answer is the partial one, not one that kept growing after Stop.
  await expect.poll(async () => (await storedAnswers(page)).map((stored) => stored.status)).toEqual(['cancelled'])
  const [stopped] = await storedAnswers(page)

  // A page that goes away mid-answer: after the reload, the saved part is there, marked interrupted.
  await ask(page, 'And now backwards.')
  await partialAnswer(page)
  await expect.poll(async () => (await storedAnswers(page)).at(-1)?.content.length ?? 0, { message: 'the partial answer is saved as it streams' }).toBeGreaterThan(0)
  await page.reload()
  await expect(page.locator('[data-testid="message"]')).toHaveCount(4)
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'interrupted')
  await expect(lastAnswer(page).getByTestId('answer-text')).not.toBeEmpty()
  await expect(page.locator('[data-testid="message"][data-role="assistant"]').first()).toHaveAttribute('data-status', 'cancelled')
  const after = await storedAnswers(page)
  expect(after.map((stored) => stored.status)).toEqual(['cancelled', 'interrupted'])
  expect(after[0]?.content).toBe(stopped?.content)
})

test('an answer another tab of the profile is streaming is left alone there, and becomes interrupted with Retry once that tab closes', async () => {
  test.setTimeout(180_000)
  const { relay, verifierId } = await startMesh({ slow: true })
  const writer = await openChat(relay.url, verifierId)
  await setAnswerSettings(writer, { temperature: 0, maxTokens: 4000 })
  await ask(writer, 'Count to a million, slowly.')
  await partialAnswer(writer)
  await expect.poll(async () => (await storedAnswers(writer)).at(-1)?.content.length ?? 0, { message: 'the partial answer is saved as it streams' }).toBeGreaterThan(0)

  // A second tab opens while the first still writes: the answer is live there, not abandoned.
  const reader = await writer.context().newPage()
  await reader.goto(relay.url)
  await expect(lastAnswer(reader)).toHaveAttribute('data-status', 'streaming')
  await expect.poll(async () => (await storedAnswers(reader)).at(-1)?.status).toBe('streaming')

  // The writing tab goes away: the reader sees the stored part marked interrupted, with Retry, without a reload.
  await writer.close()
  await expect(lastAnswer(reader)).toHaveAttribute('data-status', 'interrupted', { timeout: 15_000 })
  await expect(lastAnswer(reader).getByTestId('answer-text')).not.toBeEmpty()
  await expect(lastAnswer(reader).getByRole('button', { name: 'Retry' })).toBeEnabled()
  expect((await storedAnswers(reader)).map((stored) => stored.status)).toEqual(['interrupted'])
})

test('a tab that opens an answer another tab of the profile is streaming follows it to its end', async () => {
  test.setTimeout(180_000)
  const { relay, verifierId } = await startMesh({ slow: true })
  const writer = await openChat(relay.url, verifierId)
  await setAnswerSettings(writer, { temperature: 0, maxTokens: 120 })
  await ask(writer, 'Count to twenty.')
  await partialAnswer(writer)

  // A second tab opens the newest conversation: the first tab's, still streaming there.
  const reader = await writer.context().newPage()
  await reader.goto(relay.url)
  await expect(lastAnswer(reader)).toHaveAttribute('data-status', 'streaming')
  const readAtOpen = (await lastAnswer(reader).getByTestId('answer-text').textContent()) ?? ''

  // It grows there as the writer saves it, and ends as the writer's does, word for word.
  await expect(lastAnswer(writer)).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
  await expect(lastAnswer(reader)).toHaveAttribute('data-status', 'complete', { timeout: 10_000 })
  const final = (await lastAnswer(writer).getByTestId('answer-text').textContent()) ?? ''
  expect(final.length).toBeGreaterThan(readAtOpen.length)
  await expect(lastAnswer(reader).getByTestId('answer-text')).toHaveText(final)
})

test('a chat waiting for a busy verifier shows its place in the queue, then streams', async () => {
  test.setTimeout(180_000)
  const relay = await startRelay()
  processes.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--capacity', '1', ...await slowVerifierArgs()] })
  processes.push(verifier)
  const verifierId = await peerIdOf(verifier)
  const first = await openChat(relay.url, verifierId)
  const second = await openChat(relay.url, verifierId)
  await setAnswerSettings(first, { temperature: 0, maxTokens: 4000 })
  await setAnswerSettings(second, { temperature: 0, maxTokens: 16 })

  await ask(first, 'Take your time.')
  await partialAnswer(first)
  await ask(second, 'Me next?')
  await expect(lastAnswer(second).getByTestId('answer-waiting')).toHaveText(/^Waiting in queue as a consumer \(contributors go first\): position \d+(, about \d+ (s|min))?$/)
  await expect(second.getByRole('status').filter({ hasText: /^Waiting in queue as a consumer \(contributors go first\): position \d+/ })).toBeVisible()

  await first.getByRole('button', { name: 'Stop' }).click()
  await expect(lastAnswer(first)).toHaveAttribute('data-status', 'cancelled')
  await expect(lastAnswer(second)).toHaveAttribute('data-status', 'complete', { timeout: 60_000 })
  await expect(lastAnswer(second).getByTestId('answer-text')).not.toBeEmpty()
})

test('a verifier with no room left says busy, with when to retry, and Retry then answers', async () => {
  test.setTimeout(180_000)
  const relay = await startRelay()
  processes.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--capacity', '1', '--queue-size', '0', ...await slowVerifierArgs()] })
  processes.push(verifier)
  const verifierId = await peerIdOf(verifier)
  const first = await openChat(relay.url, verifierId)
  const second = await openChat(relay.url, verifierId)
  await setAnswerSettings(first, { temperature: 0, maxTokens: 4000 })
  await setAnswerSettings(second, { temperature: 0, maxTokens: 16 })

  await ask(first, 'Take all the room.')
  await partialAnswer(first)
  await ask(second, 'Any room left?')
  const refused = lastAnswer(second)
  await expect(refused).toHaveAttribute('data-status', 'error')
  await expect(refused.getByTestId('answer-ending')).toContainText(/The verifier is busy\. Try again in \d+ s\./)

  await first.getByRole('button', { name: 'Stop' }).click()
  await expect(lastAnswer(first)).toHaveAttribute('data-status', 'cancelled')
  // The verifier frees the slot when the cancel reaches it: retry, as a user would, until it has room.
  await expect.poll(async () => {
    const status = await refused.getAttribute('data-status')
    if (status === 'error') {
      await refused.getByRole('button', { name: 'Retry' }).click()
    }
    return status
  }, { timeout: 60_000, intervals: [500] }).toBe('complete')
  await expect(refused.getByTestId('answer-text')).not.toBeEmpty()
})
