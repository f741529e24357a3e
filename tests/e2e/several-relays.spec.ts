import { expect, test } from '@playwright/test'
import { ask, lastAnswer } from '../support/chat-page.ts'
import { e2eSession } from '../support/e2e-session.ts'
import { freePort, startGpuNode, startRelay, waitFor } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'

/**
 * A mesh of two relays that name each other, end to end: a page served by
 * relay A holds reservations on A and on B. Relay A is killed and the
 * verifier it knew goes away; a new verifier that can reach relay B only
 * joins. The page, cut off from the relay that served it, finds the new
 * verifier through B, reaches it over WebRTC signalled through B, and chats.
 * Runs inside the private test network.
 */

const { processes, openProfile } = e2eSession()

async function peerIdOf (verifier: ShoalProcess): Promise<string> {
  return ((await (await fetch(`${verifier.url}/health`)).json()) as { peerId: string }).peerId
}

test('one of two relays killed: the page keeps its second relay, finds a verifier that joined through it, and chat goes on', async () => {
  test.setTimeout(180_000)
  const portA = await freePort()
  const portB = await freePort()
  const urlA = `http://127.0.0.1:${portA}`
  const urlB = `http://127.0.0.1:${portB}`
  const relayA = await startRelay({ port: portA, extraArgs: ['--peer-relays', urlB] })
  processes.push(relayA)
  const relayB = await startRelay({ port: portB, extraArgs: ['--peer-relays', urlA] })
  processes.push(relayB)
  const first = await startGpuNode({ relayUrl: urlA, extraArgs: ['--threads', '1'] })
  processes.push(first)

  const page = await openProfile()
  await page.goto(`${urlA}/network`)
  await expect(page.getByTestId('relay-status')).toHaveAttribute('data-state', 'reserved', { timeout: 30_000 })
  const second = page.getByTestId('second-relay-status')
  await expect(second).toHaveAttribute('data-state', 'reserved', { timeout: 30_000 })
  await expect(second).toContainText(urlB)
  await waitFor('relay B to hold the page\'s and the verifier\'s reservations', async () => {
    const health = await (await fetch(`${urlB}/health`)).json() as { reservations: number }
    return health.reservations >= 2 ? true : undefined
  }, 30_000)

  // Both pages' code is loaded while relay A still serves it (a first visit's service worker may not control the page yet).
  await page.getByRole('link', { name: 'Chat', exact: true }).click()
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible()
  await page.getByRole('link', { name: 'Network', exact: true }).click()

  await relayA.kill()
  await expect(page.getByTestId('relay-status')).toHaveAttribute('data-state', /disconnected|connecting/, { timeout: 30_000 })
  await expect(second).toHaveAttribute('data-state', 'reserved')
  await expect(page.getByTestId('mesh-status')).toHaveAttribute('data-status', 'online')
  await first.stop()

  // It can reach relay B only: A, which B names, is gone.
  const joined = await startGpuNode({ relayUrl: urlB, extraArgs: ['--threads', '1'] })
  processes.push(joined)
  const joinedId = await peerIdOf(joined)
  await expect(page.locator(`[data-testid="peer"][data-peer-id="${joinedId}"]`)).toHaveAttribute('data-connection', 'webrtc', { timeout: 30_000 })

  await page.getByRole('link', { name: 'Chat', exact: true }).click()
  await ask(page, 'Tell me a story about a boat.')
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 60_000 })
  await expect(lastAnswer(page).getByTestId('answer-verifier')).toHaveAttribute('title', joinedId)
})
