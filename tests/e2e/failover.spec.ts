import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { ask, lastAnswer, setAnswerSettings } from '../support/chat-page.ts'
import { e2eSession } from '../support/e2e-session.ts'
import { freePort, startGpuNode, startRelay, temporaryDirectory, waitFor } from '../support/processes.ts'
import { twoVerifierMesh } from '../support/two-verifiers.ts'
import type { MeshVerifier } from '../support/two-verifiers.ts'

/**
 * Failover mid-answer, end to end: a relay, two verifiers running the same
 * demo model, and Chromium. The verifier writing a long greedy answer is
 * killed with SIGKILL; the page hands the answer to the other verifier,
 * which continues it from its tokens, and the answer completes (not
 * interrupted) exactly as the survivor alone answers the same request,
 * nothing shown lost or repeated. Runs inside the private test network.
 */

const { processes, openProfile } = e2eSession()

/**
 * Every forward pass padded to 40 ms (the emulated-GPU option), so a story of
 * a few hundred tokens streams for seconds: long enough to kill its verifier
 * mid-answer. Emulation pads time only; the tokens are the model's own.
 */
const SLOW_VERIFIER_ARGS = ['--emulate-pass-cost', '40,0', '--threads', '1']

const QUESTION = 'Tell me a long story about a fox who finds a boat.'

/** The page's newest stored answer, read straight from IndexedDB (the page renders Markdown). */
async function storedAnswer (page: Page): Promise<{ content: string, status: string, verifierPeerId?: string, parts?: Array<{ verifierPeerId: string, start: number, continued: boolean }>, prompt?: { maxTokens: number }, receiptId?: string } | undefined> {
  return page.evaluate(async () => {
    const database = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('shoal')
      request.onerror = () => { reject(request.error ?? new Error('open failed')) }
      request.onsuccess = () => { resolve(request.result) }
    })
    const all = await new Promise<Array<{ role: string, createdAt: number, content: string, status: string }>>((resolve, reject) => {
      const request = database.transaction('messages').objectStore('messages').getAll()
      request.onsuccess = () => { resolve(request.result) }
      request.onerror = () => { reject(request.error ?? new Error('read failed')) }
    })
    database.close()
    return all.filter((message) => message.role === 'assistant').sort((a, b) => a.createdAt - b.createdAt).at(-1)
  })
}

/** What the verifier answers alone, over its own HTTP API, for the page's request. */
async function answerAlone (verifier: MeshVerifier, maxTokens: number): Promise<string> {
  const response = await fetch(`${verifier.process.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'shoal-demo', messages: [{ role: 'user', content: QUESTION }], temperature: 0, max_tokens: maxTokens })
  })
  expect(response.status).toBe(200)
  const body = await response.json() as { choices: Array<{ message: { content: string } }> }
  return body.choices[0]?.message.content ?? ''
}

test('a verifier killed mid-answer: the other continues the same answer, which completes byte-identical to its own', async () => {
  test.setTimeout(240_000)
  // Both heard and reached directly before asking: the hand-over needs the second verifier.
  const { verifiers, page } = await twoVerifierMesh(processes, openProfile, SLOW_VERIFIER_ARGS)
  await expect(page.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', /^12D3KooW/, { timeout: 30_000 })
  await setAnswerSettings(page, { temperature: 0, maxTokens: 400 })
  await ask(page, QUESTION)

  const answer = lastAnswer(page)
  await expect(answer).toHaveAttribute('data-status', 'streaming')
  const serving = await waitFor('the answer to have some text', async () => {
    const stored = await storedAnswer(page)
    return stored !== undefined && stored.content.length > 80 ? stored : undefined
  }, 60_000)
  const killed = verifiers.find((verifier) => verifier.peerId === serving.verifierPeerId)
  const survivor = verifiers.find((verifier) => verifier.peerId !== serving.verifierPeerId)
  if (killed === undefined || survivor === undefined) throw new Error(`the answer names neither verifier: ${serving.verifierPeerId}`)
  await killed.process.kill()
  const killedAt = Date.now()

  // What the page shows only ever grows: each saved snapshot is where the final text begins.
  const snapshots: string[] = [serving.content]
  let continuedAfterMs: number | undefined
  const final = await waitFor('the answer to end', async () => {
    const stored = await storedAnswer(page)
    if (stored === undefined) return undefined
    snapshots.push(stored.content)
    const start = stored.parts?.[1]?.start
    if (continuedAfterMs === undefined && start !== undefined && stored.content.length > start) continuedAfterMs = Date.now() - killedAt
    return stored.status !== 'streaming' ? stored : undefined
  }, 120_000)
  console.log(`failover: the survivor's first text was saved ${continuedAfterMs ?? '?'} ms after the kill; the answer ended after ${Date.now() - killedAt} ms`)
  expect(final.status).toBe('complete')
  await expect(answer).toHaveAttribute('data-status', 'complete')
  await expect(answer.getByTestId('answer-status')).toHaveCount(0)
  for (const snapshot of snapshots) {
    expect(final.content.startsWith(snapshot), `${JSON.stringify(snapshot.slice(-40))} is where the answer goes on from`).toBe(true)
  }

  // The survivor, asked the same alone, writes the same text byte for byte.
  const alone = await answerAlone(survivor, final.prompt?.maxTokens ?? 400)
  expect(final.content).toBe(alone)

  // Who wrote which part: the killed verifier from the start, then the survivor from its tokens.
  expect(final.parts?.map((part) => part.verifierPeerId)).toEqual([killed.peerId, survivor.peerId])
  const handover = final.parts?.[1]
  expect(handover?.continued).toBe(true)
  expect(handover?.start ?? 0).toBeGreaterThanOrEqual(serving.content.length)
  expect(final.verifierPeerId).toBe(survivor.peerId)
  await expect(answer.getByTestId('answer-handover')).toHaveCount(1)
  await expect(answer.getByTestId('answer-handover')).toContainText(`verifier …${killed.peerId.slice(-8)} went away`)
  await expect(answer.getByTestId('answer-handover')).toContainText(`verifier …${survivor.peerId.slice(-8)} continued it from its tokens after ${handover?.start ?? 0} characters`)
  // The survivor's part has its signed receipt, checked against what it was given and what it wrote.
  await expect(answer.getByTestId('answer-receipt')).toHaveAttribute('data-status', 'kept', { timeout: 20_000 })
})

test('the only verifier killed mid-answer and started again: the answer waits for it, says so, and goes on to the same text', async () => {
  test.setTimeout(240_000)
  const relay = await startRelay()
  processes.push(relay)
  const keyFile = join(await temporaryDirectory(), 'gpu-node.key')
  const apiPort = await freePort()
  const first = await startGpuNode({ relayUrl: relay.url, keyFile, apiPort, extraArgs: SLOW_VERIFIER_ARGS })
  processes.push(first)
  const peerId = ((await (await fetch(`${first.url}/health`)).json()) as { peerId: string }).peerId
  const page = await openProfile()
  await page.goto(relay.url)
  await expect(page.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', peerId, { timeout: 30_000 })
  await setAnswerSettings(page, { temperature: 0, maxTokens: 400 })
  await ask(page, QUESTION)
  const serving = await waitFor('the answer to have some text', async () => {
    const stored = await storedAnswer(page)
    return stored !== undefined && stored.content.length > 80 ? stored : undefined
  }, 60_000)

  await first.kill()
  await expect(page.getByTestId('chat-status')).toHaveText('The verifier went away: waiting for another to go on with the answer…', { timeout: 30_000 })
  const again = await startGpuNode({ relayUrl: relay.url, keyFile, apiPort, extraArgs: SLOW_VERIFIER_ARGS })
  processes.push(again)

  const final = await waitFor('the answer to end', async () => {
    const stored = await storedAnswer(page)
    return stored !== undefined && stored.status !== 'streaming' ? stored : undefined
  }, 120_000)
  expect(final.status).toBe('complete')
  expect(final.content.startsWith(serving.content)).toBe(true)
  expect(final.content).toBe(await answerAlone({ process: again, peerId }, final.prompt?.maxTokens ?? 400))
  // The same verifier, before and after its restart, wrote the two parts.
  expect(final.parts?.map((part) => part.verifierPeerId)).toEqual([peerId, peerId])
  expect(final.parts?.[1]?.continued).toBe(true)
})
