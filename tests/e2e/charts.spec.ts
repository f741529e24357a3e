import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { expect, test } from '@playwright/test'
import type { Locator, Page } from '@playwright/test'
import { newReceiptId, receiptFile, sha256Hex, signReceipt } from '#protocol'
import type { Receipt } from '#protocol'
import { e2eSession } from '../support/e2e-session.ts'
import { ensureDemoModels } from '../support/models.ts'
import { startGpuNode, startRelay, temporaryDirectory } from '../support/processes.ts'

/**
 * The pages' pictures: /network draws the mesh (each link by its kind) and
 * plots round trips and verifiers' load over time; /contribute plots this
 * tab's drafting; /receipts plots tokens earned per day. Real relay and
 * verifier in the private network; uPlot draws on a canvas, so the checks
 * read how many samples each chart holds and that it drew.
 */

const { processes, openProfile } = e2eSession()
const directories: string[] = []

test.afterEach(async () => {
  await Promise.all(directories.splice(0).map(async (directory) => { await rm(directory, { recursive: true, force: true }) }))
})

async function pointsOf (chart: Locator): Promise<number> {
  return Number(await chart.getAttribute('data-points'))
}

/** A drawn chart: its canvas is on screen with a size. */
async function expectDrawn (chart: Locator): Promise<void> {
  const box = await chart.locator('canvas').first().boundingBox()
  expect(box?.width ?? 0).toBeGreaterThan(100)
  expect(box?.height ?? 0).toBeGreaterThan(50)
}

async function screenshots (page: Page, name: string, directory: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 })
    await page.screenshot({ path: join(directory, `${name}-${width}.png`), fullPage: true })
  }
  await page.setViewportSize({ width: 1280, height: 900 })
}

test('/network draws the relay, the verifier and their links by kind, and plots round trips and load over time; /contribute plots drafting', async ({}, testInfo) => {
  test.setTimeout(240_000)
  const shots = testInfo.outputPath('screenshots')
  await mkdir(shots, { recursive: true })
  await ensureDemoModels()
  const relay = await startRelay()
  processes.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url })
  processes.push(verifier)
  const verifierId = (await (await fetch(`${verifier.url}/health`)).json() as { peerId: string }).peerId

  const page = await openProfile()
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.goto(`${relay.url}/network`)
  const diagram = page.getByTestId('mesh-diagram')
  await expect(diagram.locator(`[data-testid="mesh-node"][data-peer-id="${verifierId}"]`)).toHaveAttribute('data-role', 'verifier', { timeout: 30_000 })
  await expect(diagram.locator('[data-testid="mesh-node"][data-role="relay"]')).toHaveCount(1)
  await expect(diagram.locator('[data-testid="mesh-link"][data-peer-id="relay"]')).toHaveAttribute('data-kind', 'websocket')
  // The page upgrades to direct WebRTC with a verifier: the diagram follows the peer table.
  await expect(diagram.locator(`[data-testid="mesh-link"][data-peer-id="${verifierId}"]`)).toHaveAttribute('data-kind', 'webrtc', { timeout: 30_000 })
  await expect(page.locator(`[data-testid="peer"][data-peer-id="${verifierId}"]`)).toHaveAttribute('data-connection', 'webrtc')

  const rtt = page.getByTestId('rtt-chart')
  const load = page.getByTestId('load-chart')
  // Sampled every 2 s: a few samples within a few seconds, each plotted.
  await expect.poll(async () => pointsOf(rtt), { timeout: 20_000 }).toBeGreaterThanOrEqual(3)
  await expect.poll(async () => pointsOf(load), { timeout: 20_000 }).toBeGreaterThanOrEqual(3)
  await expectDrawn(rtt)
  await expectDrawn(load)
  await expect(rtt.locator('.u-legend')).toContainText('relay')
  await expect(rtt.locator('.u-legend')).toContainText(`verifier …${verifierId.slice(-6)}`)
  await expect(load.locator('.u-legend')).toContainText(`…${verifierId.slice(-6)}`)
  // The history outlives a visit to another page.
  const before = await pointsOf(rtt)
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).click()
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Network' }).click()
  expect(await pointsOf(page.getByTestId('rtt-chart'))).toBeGreaterThanOrEqual(before)
  await screenshots(page, 'network', shots)

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contribute' }).click()
  const drafted = page.getByTestId('drafted-chart')
  const acceptance = page.getByTestId('acceptance-chart')
  expect(await pointsOf(drafted)).toBe(0)
  await expect(drafted).toContainText('Switch contributing on')
  await page.getByTestId('contribute-toggle').check()
  await expect(page.getByTestId('contribute-status')).toHaveAttribute('data-status', 'drafting', { timeout: 90_000 })
  await expect.poll(async () => pointsOf(drafted), { timeout: 20_000 }).toBeGreaterThanOrEqual(2)
  expect(await pointsOf(acceptance)).toBe(await pointsOf(drafted))
  await expectDrawn(drafted)
  await expect(drafted.locator('.u-legend')).toContainText('drafted tokens/s')
  await screenshots(page, 'contribute', shots)
})

test('/receipts plots the tokens earned per day, from the drafted receipts, with the days between', async ({}, testInfo) => {
  test.setTimeout(120_000)
  const shots = testInfo.outputPath('screenshots')
  await mkdir(shots, { recursive: true })
  const directory = await temporaryDirectory('shoal-earned-')
  directories.push(directory)
  const relay = await startRelay()
  processes.push(relay)
  const page = await openProfile()

  const key = await generateKeyPair('Ed25519')
  const issuer = peerIdFromPrivateKey(key).toString()
  const subject = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const noon = (daysAgo: number): number => { const date = new Date(); return new Date(date.getFullYear(), date.getMonth(), date.getDate() - daysAgo, 12).getTime() }
  const receipts: Receipt[] = []
  for (const [index, [daysAgo, acceptedTokens]] of [[3, 40], [1, 25], [1, 10]].entries()) {
    receipts.push(await signReceipt({
      kind: 'drafted', id: newReceiptId(), issuer, subject, issuedAt: noon(daysAgo ?? 0), sequence: index + 1, previousId: receipts.at(-1)?.id ?? '',
      answerId: await sha256Hex(newReceiptId()), model: 'shoal-demo', promptTokens: 10, completionTokens: 80, queuedMs: 0, firstTokenMs: 30, totalMs: 400, passes: 40,
      drafters: [{ peerId: subject, draftedTokens: (acceptedTokens ?? 0) + 10, acceptedTokens: acceptedTokens ?? 0 }], promptHash: '', outputHash: ''
    }, key))
  }
  const path = join(directory, 'earned.json')
  await writeFile(path, JSON.stringify(receiptFile(receipts)))

  await page.setViewportSize({ width: 1280, height: 900 })
  await page.goto(`${relay.url}/receipts`)
  await page.getByTestId('import-receipts').setInputFiles(path)
  const chart = page.getByTestId('earned-chart')
  // Three days ago, two days ago (nothing), yesterday.
  await expect(chart).toHaveAttribute('data-points', '3')
  await expectDrawn(chart)
  await expect(chart.locator('.u-legend')).toContainText('tokens earned')
  await screenshots(page, 'receipts', shots)
})
