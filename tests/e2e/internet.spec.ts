import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { ask, lastAnswer, setAnswerSettings, storedAnswers } from '../support/chat-page.ts'
import { e2eSession } from '../support/e2e-session.ts'
import { ensureDemoModels } from '../support/models.ts'
import { temporaryDirectory } from '../support/processes.ts'
import { loadOrCreateIdentityKey } from '#server'
import { CAFE_ROUTER_ADDRESS, HOME_ROUTER_ADDRESS, TURN_ADDRESS, buildInternet, canBuildInternet, peerConnections } from '../network/internet-network.ts'
import type { CoturnProcess, InternetNetwork, PeerConnectionRecord } from '../network/internet-network.ts'

/**
 * The mesh across NATs (tests/network/internet.sh): the verifier at home
 * behind a port-restricted cone NAT, the relay and coturn on the "internet",
 * Chromium either in a café behind another cone NAT, where STUN's
 * server-reflexive candidates let both sides punch a hole (direct WebRTC),
 * or on a mobile network behind a symmetric NAT, where only a TURN relay
 * candidate gets through. Runs inside the private test network, as root.
 */

const { processes, profiles } = e2eSession()
let internet: InternetNetwork | undefined
let coturn: CoturnProcess | undefined

test.skip(!canBuildInternet(), 'needs root inside scripts/private-network.sh to build NAT namespaces')

test.beforeAll(async () => {
  internet = await buildInternet()
})

/** Everything the network's processes and pages said, written in full beside a failed test's report. */
const logs = new Map<string, () => string>()

test.afterEach(async ({}, testInfo) => {
  if (coturn != null) {
    const output = coturn.output
    logs.set('coturn', output)
  }
  if (testInfo.status !== testInfo.expectedStatus) {
    await writeFile(testInfo.outputPath('routers.log'), await network().status())
    for (const [name, text] of logs) {
      await writeFile(testInfo.outputPath(`${name}.log`), text())
    }
  }
  logs.clear()
  await coturn?.stop()
  coturn = undefined
})

test.afterAll(async () => {
  await internet?.down()
})

function network (): InternetNetwork {
  if (internet == null) {
    throw new Error('the test network was not built')
  }
  return internet
}

async function verifierPeerId (verifierUrl: string): Promise<string> {
  return ((await (await fetch(`${verifierUrl}/health`)).json()) as { peerId: string }).peerId
}

/** A fresh Chromium profile in the café or mobile LAN, its console kept for the report, at `url`. */
async function openPage (where: 'cafe' | 'mobile', url: string, relayUrl: string): Promise<Page> {
  const profile = where === 'cafe' ? await network().launchCafeProfile(relayUrl) : await network().launchMobileProfile(relayUrl)
  profiles.push(profile)
  const lines: string[] = []
  profile.on('console', (message) => { lines.push(`${new Date().toISOString()} ${message.type()}: ${message.text()}`) })
  logs.set(`page-${logs.size}-${where}-${new URL(url).pathname.replace(/\W/g, '') || 'chat'}`, () => lines.join('\n'))
  const page = profile.pages()[0] ?? await profile.newPage()
  await page.goto(url)
  return page
}

function describe (records: PeerConnectionRecord[]): string {
  return JSON.stringify(records)
}

/** Asks `page` a long greedy question that allows drafters, and checks `contributor` drafted for its answer. */
async function askWithDrafts (page: Page, contributor: Page): Promise<void> {
  await page.getByTestId('chat-privacy').getByRole('combobox').selectOption('drafters-allowed')
  await setAnswerSettings(page, { temperature: 0, maxTokens: 300 })
  await ask(page, 'Tell me a story about the sea, the wind and the ships.')
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
  await expect.poll(async () => Number(await contributor.getByTestId('stat-jobs').textContent()), { timeout: 10_000 }).toBeGreaterThan(0)
  expect(Number(await contributor.getByTestId('stat-drafted').textContent())).toBeGreaterThan(0)
}

test('without TURN the mobile page cannot reach the home verifier directly: every WebRTC attempt fails and the link stays on the relay\'s circuit', async () => {
  test.setTimeout(180_000)
  const relay = await network().startRelay()
  processes.push(relay)
  const bootstrap = await (await fetch(`${relay.url}/shoal/bootstrap.json`)).json() as { iceServers?: unknown }
  expect(bootstrap.iceServers).toBeUndefined()
  const verifier = await network().startVerifier(relay.url)
  processes.push(verifier)
  const verifierId = await verifierPeerId(verifier.url)

  const page = await openPage('mobile', `${relay.url}/network`, relay.url)
  const row = page.locator(`[data-testid="peer"][data-peer-id="${verifierId}"]`)
  await expect(row).toBeVisible({ timeout: 30_000 })
  // The page tries WebRTC (the verifier announced /webrtc addresses) and gives up: wait until
  // an attempt has ended without ever connecting.
  await expect.poll(async () => {
    const records = await peerConnections(page)
    return records.some((record) => record.states.includes('failed') || record.states.includes('closed'))
  }, { timeout: 120_000, message: 'a WebRTC attempt to end' }).toBe(true)
  const records = await peerConnections(page)
  expect(records.every((record) => !record.states.includes('connected')), describe(records)).toBe(true)
  // What the page says: the verifier is reached only through the relay.
  await expect(row).toHaveAttribute('data-connection', 'relayed')
  await expect(row.getByTestId('peer-connection')).toHaveText('circuit (through the relay)')
})

/** The connection that leaves the mobile LAN: its far end is on the internet (the home router, or coturn),
 * or its own end is a TURN relay candidate, whose traffic always goes through coturn. The far end of a
 * TURN pair is often peer-reflexive (the verifier's check arrived before its candidate was signalled),
 * and Chromium does not show a peer-reflexive address. Mobile tabs also meet each other directly on
 * their LAN, host to peer-reflexive: neither test matches those. */
function leavesMobile (record: PeerConnectionRecord): boolean {
  const selected = record.selected
  return selected != null && (selected.remoteAddress.startsWith('198.18.0.') || (selected.local === 'relay' && selected.localAddress.startsWith(`${TURN_ADDRESS}:`)))
}

async function selectedToInternet (tab: Page): Promise<PeerConnectionRecord['selected']> {
  return (await peerConnections(tab)).find(leavesMobile)?.selected
}

/** Waits for the tab's WebRTC connection out of the mobile LAN and checks it runs on a TURN relay candidate. */
async function expectTurnRelayed (tab: Page): Promise<NonNullable<PeerConnectionRecord['selected']>> {
  let seen: PeerConnectionRecord[] = []
  // What the tab's peer connections went through, for the report of a test that fails here.
  logs.set(`peer-connections-${logs.size}`, () => JSON.stringify(seen, null, 1))
  await expect.poll(async () => {
    seen = await peerConnections(tab)
    return seen.some(leavesMobile)
  }, { timeout: 90_000, message: 'a connected WebRTC peer connection out of the mobile LAN' }).toBe(true)
  const selected = await selectedToInternet(tab)
  // The mobile side is coturn's relayed address: the only way out of a symmetric NAT.
  expect(selected?.local, JSON.stringify(selected)).toBe('relay')
  expect(selected?.localAddress.startsWith(`${TURN_ADDRESS}:`), JSON.stringify(selected)).toBe(true)
  if (selected == null) {
    throw new Error('no selected candidate pair')
  }
  return selected
}

/**
 * coturn, a relay handing out its TURN credentials and STUN (with `stunOnly`, STUN alone), and a
 * verifier at home; with `trustVerifier` the relay lifts its circuit limits for that verifier.
 */
async function startTurnMesh (verifierArgs: string[] = [], { trustVerifier = false, stunOnly = false } = {}): Promise<{ relayUrl: string, verifierId: string, coturn: CoturnProcess }> {
  const secret = randomBytes(18).toString('base64url')
  const turnServer = await network().startCoturn(secret)
  coturn = turnServer
  // The verifier's identity is made first, so the relay can name it.
  const keyFile = join(await temporaryDirectory(), 'gpu-node.key')
  const knownVerifierId = peerIdFromPrivateKey(await loadOrCreateIdentityKey(keyFile)).toString()
  const extraArgs = trustVerifier ? ['--unlimited-circuits-for', knownVerifierId] : []
  const relay = await network().startRelay(stunOnly ? { stun: true, extraArgs } : { turnSecret: secret, extraArgs })
  processes.push(relay)
  logs.set('relay', relay.output)
  const bootstrap = await (await fetch(`${relay.url}/shoal/bootstrap.json`)).json() as { iceServers?: Array<{ urls: string[], username?: string, credential?: string }> }
  expect(bootstrap.iceServers?.some((server) => server.urls.includes(`stun:${TURN_ADDRESS}:3478`))).toBe(true)
  const turn = bootstrap.iceServers?.find((server) => server.username != null)
  if (stunOnly) {
    expect(turn).toBeUndefined()
  } else {
    // Short-lived, minted per request: never a static password.
    expect(turn?.urls).toEqual([`turn:${TURN_ADDRESS}:3478`])
    expect(Number(turn?.username?.split(':')[0])).toBeGreaterThan(Date.now() / 1000)
  }
  const verifier = await network().startVerifier(relay.url, verifierArgs, keyFile)
  processes.push(verifier)
  logs.set('verifier', verifier.output)
  return { relayUrl: relay.url, verifierId: await verifierPeerId(verifier.url), coturn: turnServer }
}

test('with the relay\'s TURN credentials the mobile page chats with the home verifier over a TURN-relayed WebRTC connection, and a long answer completes over it', async () => {
  test.setTimeout(240_000)
  // A random model of the demo's shape writes until the token limit; the trained story model ends its story within a few hundred.
  const { target } = await ensureDemoModels()
  const { relayUrl, verifierId, coturn: turnServer } = await startTurnMesh(['--model', target, '--model-name', 'shoal-demo'])
  const page = await openPage('mobile', relayUrl, relayUrl)
  await expect(page.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', verifierId, { timeout: 30_000 })
  const selected = await expectTurnRelayed(page)
  // coturn relays to the verifier's side (the home router's public address), and every
  // credential it was shown checked out, the verifier's too (node-datachannel splits at ":").
  expect(turnServer.output()).toContain(`peer ${HOME_ROUTER_ADDRESS} lifetime updated`)
  expect(turnServer.output()).not.toContain('Cannot find credentials')
  // What the page says: the network page (same tab, same mesh node) shows the link to the verifier as WebRTC, not the relay's circuit.
  await page.getByRole('navigation').getByRole('link', { name: 'Network' }).click()
  const verifierRow = page.locator(`[data-testid="peer"][data-peer-id="${verifierId}"]`)
  await expect(verifierRow).toHaveAttribute('data-connection', 'webrtc', { timeout: 30_000 })
  // ... and, from the peer connection's selected candidate pair, that it goes through TURN.
  await expect(verifierRow).toHaveAttribute('data-path', 'turn', { timeout: 10_000 })
  await expect(verifierRow.getByTestId('peer-connection')).toHaveText('TURN-relayed WebRTC')
  await page.getByRole('navigation').getByRole('link', { name: 'Chat' }).click()

  await setAnswerSettings(page, { temperature: 0, maxTokens: 1500 })
  const pcsBefore = await peerConnections(page)
  logs.set('peer-connections-before-answer', () => JSON.stringify(pcsBefore, null, 1))
  await ask(page, 'Tell me a long story about a lighthouse keeper and the sea.')
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
  const answer = (await storedAnswers(page)).at(-1)?.content ?? ''
  expect(answer.length).toBeGreaterThan(1_000)
  // The answer came through coturn, not the relay's circuit: the TURN pair carried at least its bytes.
  const after = await selectedToInternet(page)
  expect(after?.localAddress).toBe(selected.localAddress)
  expect((after?.bytesReceived ?? 0) - selected.bytesReceived).toBeGreaterThan(answer.length)
})

test('a mobile tab drafts for the home verifier over its own TURN-relayed WebRTC connection', async () => {
  test.setTimeout(240_000)
  // 512x16: the verifier takes several ms per token, as a real model would, so a draft can be ahead of it.
  const models = await ensureDemoModels({ width: 512, layers: 16 })
  let contributorConnections: PeerConnectionRecord[] = []
  const { relayUrl, verifierId } = await startTurnMesh(['--model', models.target, '--model-name', 'shoal-demo-512x16', '--threads', '1'])
  // The matching demo draft model, in wllama.
  const contributor = await openPage('mobile', `${relayUrl}/contribute?model=shoal-demo-v1-draft-small-512x16`, relayUrl)
  logs.set('contributor-peer-connections', () => JSON.stringify(contributorConnections, null, 1))
  await contributor.getByTestId('contribute-toggle').check()
  await expect(contributor.getByTestId('contribute-status')).toHaveAttribute('data-status', 'drafting', { timeout: 90_000 })
  // Its way to the verifier is a TURN relay candidate (a mobile tab reaches the other one directly, on host candidates).
  await expect.poll(async () => {
    contributorConnections = await peerConnections(contributor)
    return contributorConnections.some((record) => record.selected?.local === 'relay' && record.selected.localAddress.startsWith(`${TURN_ADDRESS}:`))
  }, { timeout: 90_000, message: 'a TURN-relayed connection from the contributor' }).toBe(true)
  const page = await openPage('mobile', relayUrl, relayUrl)
  await expect(page.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', verifierId, { timeout: 30_000 })
  await expectTurnRelayed(page)
  await askWithDrafts(page, contributor)
  // The network page tells the two paths apart: the verifier through TURN, the other mobile tab direct (host candidates on their LAN).
  await page.getByRole('navigation').getByRole('link', { name: 'Network' }).click()
  await expect(page.locator(`[data-testid="peer"][data-peer-id="${verifierId}"]`)).toHaveAttribute('data-path', 'turn', { timeout: 15_000 })
  const contributorRow = page.locator('[data-testid="peer"][data-role="browser"]')
  await expect(contributorRow).toHaveAttribute('data-path', 'direct', { timeout: 15_000 })
  await expect(contributorRow.getByTestId('peer-connection')).toHaveText('direct WebRTC')
})

test('coturn killed mid-answer: the mobile page\'s answer goes on with the same verifier over the relay\'s circuit, word for word, and the network page then shows the circuit', async () => {
  // One run in eight took 4 minutes (the others one), and the reason is not known yet: room for it.
  test.setTimeout(480_000)
  // 512x16: several ms per token, so the answer is still being written when coturn goes.
  const models = await ensureDemoModels({ width: 512, layers: 16 })
  const { relayUrl, verifierId, coturn: turnServer } = await startTurnMesh(['--model', models.target, '--model-name', 'shoal-demo-512x16', '--threads', '1'], { trustVerifier: true })
  const page = await openPage('mobile', relayUrl, relayUrl)
  await expect(page.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', verifierId, { timeout: 30_000 })
  await expectTurnRelayed(page)
  // Not longer: a continuation's prompt is evaluated in one batch where the first verifier went token by
  // token, and on this random model's near-even logits llama.cpp's two ways round differently enough to
  // pick another token after a thousand or so (a trained model's margins are far wider).
  await setAnswerSettings(page, { temperature: 0, maxTokens: 400 })
  const question = 'Tell me a long story about a lighthouse keeper and the sea.'
  // The reference: the same question at temperature 0, answered whole over TURN.
  await ask(page, question)
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
  const reference = (await storedAnswers(page)).at(-1)?.content ?? ''
  expect(reference.length).toBeGreaterThan(1_000)
  logs.set('reference-answer', () => reference)

  await page.getByRole('button', { name: 'New chat' }).click()
  await ask(page, question)
  // Mid-answer: some text shown, much still to come.
  await expect.poll(async () => (await lastAnswer(page).textContent() ?? '').length, { timeout: 60_000 }).toBeGreaterThan(100)
  await turnServer.kill()
  const killedAt = (await lastAnswer(page).textContent() ?? '').length
  expect(killedAt, 'the answer should still be running when coturn is killed').toBeLessThan(reference.length / 2)
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 180_000 })
  const answer = (await storedAnswers(page)).at(-1)?.content ?? ''
  logs.set('answer-after-kill', () => answer)
  expect(answer).toBe(reference)
  // No WebRTC way to the verifier is left: the page shows the relay's circuit, and it carried the rest.
  expect((await peerConnections(page)).some((record) => leavesMobile(record))).toBe(false)
  await page.getByRole('navigation').getByRole('link', { name: 'Network' }).click()
  const row = page.locator(`[data-testid="peer"][data-peer-id="${verifierId}"]`)
  await expect(row).toHaveAttribute('data-connection', 'relayed', { timeout: 30_000 })
  await expect(row.getByTestId('peer-connection')).toHaveText('circuit (through the relay)')
})

/**
 * Waits for the café tab's WebRTC connection to the verifier and checks it is direct: its pair runs
 * between the two routers' public addresses (server-reflexive candidates, or peer-reflexive when the
 * other side's check came before its candidate), through both NATs, and no end is a TURN relay.
 * Two café tabs also meet each other on their LAN, host to host: that pair is not this one.
 */
async function expectHolePunched (tab: Page): Promise<NonNullable<PeerConnectionRecord['selected']>> {
  let seen: PeerConnectionRecord[] = []
  logs.set(`peer-connections-${logs.size}`, () => JSON.stringify(seen, null, 1))
  const toHome = (record: PeerConnectionRecord): boolean => record.selected?.remoteAddress.startsWith(`${HOME_ROUTER_ADDRESS}:`) === true || record.selected?.localAddress.startsWith(`${CAFE_ROUTER_ADDRESS}:`) === true
  await expect.poll(async () => {
    seen = await peerConnections(tab)
    return seen.some(toHome)
  }, { timeout: 90_000, message: 'a connected WebRTC peer connection from the café to the home router' }).toBe(true)
  const selected = seen.find(toHome)?.selected
  if (selected == null) {
    throw new Error('no selected candidate pair')
  }
  expect(['host', 'srflx', 'prflx'], JSON.stringify(selected)).toContain(selected.local)
  expect(['srflx', 'prflx'], JSON.stringify(selected)).toContain(selected.remote)
  return selected
}

test('the café page (cone NAT) chats with the home verifier over direct WebRTC: with the relay\'s STUN server both sides punch a hole', async () => {
  test.setTimeout(180_000)
  const { target } = await ensureDemoModels()
  // STUN alone: no TURN to fall back to, so a WebRTC link can only be a punched hole.
  const { relayUrl, verifierId } = await startTurnMesh(['--model', target, '--model-name', 'shoal-demo'], { stunOnly: true })
  const page = await openPage('cafe', relayUrl, relayUrl)
  await expect(page.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', verifierId, { timeout: 30_000 })
  const selected = await expectHolePunched(page)
  await page.getByRole('navigation').getByRole('link', { name: 'Network' }).click()
  const verifierRow = page.locator(`[data-testid="peer"][data-peer-id="${verifierId}"]`)
  await expect(verifierRow).toHaveAttribute('data-connection', 'webrtc', { timeout: 30_000 })
  await expect(verifierRow).toHaveAttribute('data-path', 'direct', { timeout: 10_000 })
  await expect(verifierRow.getByTestId('peer-connection')).toHaveText('direct WebRTC')
  await page.getByRole('navigation').getByRole('link', { name: 'Chat' }).click()

  await setAnswerSettings(page, { temperature: 0, maxTokens: 600 })
  await ask(page, 'Tell me a story about a harbour and its boats.')
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
  const answer = (await storedAnswers(page)).at(-1)?.content ?? ''
  expect(answer.length).toBeGreaterThan(500)
  // The answer came over the punched hole, not the relay's circuit.
  const after = (await peerConnections(page)).find((record) => record.selected?.localAddress === selected.localAddress && record.selected.remoteAddress === selected.remoteAddress)?.selected
  expect((after?.bytesReceived ?? 0) - selected.bytesReceived).toBeGreaterThan(answer.length)
})

test('a café tab drafts for the home verifier over direct WebRTC, and its drafts are accepted', async () => {
  test.setTimeout(240_000)
  const models = await ensureDemoModels({ width: 512, layers: 16 })
  const { relayUrl, verifierId } = await startTurnMesh(['--model', models.target, '--model-name', 'shoal-demo-512x16', '--threads', '1'], { stunOnly: true })
  const contributor = await openPage('cafe', `${relayUrl}/contribute?model=shoal-demo-v1-draft-small-512x16`, relayUrl)
  await contributor.getByTestId('contribute-toggle').check()
  // A drafter waits for WebRTC to the verifier (drafts never go over a circuit), and without TURN that is the punched hole.
  await expect(contributor.getByTestId('contribute-status')).toHaveAttribute('data-status', 'drafting', { timeout: 90_000 })
  await expectHolePunched(contributor)
  const page = await openPage('cafe', relayUrl, relayUrl)
  await expect(page.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', verifierId, { timeout: 30_000 })
  await expectHolePunched(page)
  await askWithDrafts(page, contributor)
  expect(Number(await contributor.getByTestId('stat-accepted').textContent())).toBeGreaterThan(0)
  await page.getByRole('navigation').getByRole('link', { name: 'Network' }).click()
  const verifierRow = page.locator(`[data-testid="peer"][data-peer-id="${verifierId}"]`)
  await expect(verifierRow).toHaveAttribute('data-path', 'direct', { timeout: 15_000 })
  await expect(verifierRow.getByTestId('peer-connection')).toHaveText('direct WebRTC')
})
