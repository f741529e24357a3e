import { randomBytes } from 'node:crypto'
import type { BrowserContext, Page } from '@playwright/test'
import { buildInternet, canBuildInternet, peerConnections } from '../tests/network/internet-network.ts'
import type { InternetNetwork, PeerConnectionRecord } from '../tests/network/internet-network.ts'
import { ensureDemoModels } from '../tests/support/models.ts'
import { waitFor } from '../tests/support/processes.ts'
import type { ShoalProcess } from '../tests/support/processes.ts'
import type { Section } from './report.ts'
import { summarize } from './stats.ts'

/** Fresh page loads per placement. */
const LOADS = 5
const MAX_TOKENS = 200

interface Placement {
  name: string
  /** What the relay hands out of coturn: STUN and TURN, STUN alone, or nothing. */
  ice: 'turn' | 'stun' | 'none'
  launch: (internet: InternetNetwork, relayUrl: string) => Promise<BrowserContext>
}

const PLACEMENTS: Placement[] = [
  { name: 'page on the internet (beside the relay), verifier at home, with TURN', ice: 'turn', launch: async (internet, relayUrl) => internet.launchInternetProfile(relayUrl) },
  { name: 'page in the café (cone NAT), verifier at home, STUN only', ice: 'stun', launch: async (internet, relayUrl) => internet.launchCafeProfile(relayUrl) },
  { name: 'page on mobile (symmetric NAT), verifier at home, with TURN', ice: 'turn', launch: async (internet, relayUrl) => internet.launchMobileProfile(relayUrl) },
  { name: 'page on mobile (symmetric NAT), verifier at home, no TURN', ice: 'none', launch: async (internet, relayUrl) => internet.launchMobileProfile(relayUrl) }
]

/** The newest answer's raw length and status, as the page shows it. */
async function shownAnswer (page: Page): Promise<{ length: number, status: string }> {
  return page.evaluate(() => {
    const answers = document.querySelectorAll('[data-testid="message"][data-role="assistant"]')
    const answer = answers[answers.length - 1]
    return { length: answer?.querySelector('[data-testid="answer-text"]')?.textContent?.length ?? 0, status: answer?.getAttribute('data-status') ?? '' }
  })
}

/** Bytes each connected peer connection had received, by its selected pair's local address. */
function receivedByPair (records: PeerConnectionRecord[]): Map<string, { bytes: number, record: PeerConnectionRecord }> {
  return new Map(records.flatMap((record) => record.selected === undefined ? [] : [[`${record.selected.localAddress}>${record.selected.remoteAddress}`, { bytes: record.selected.bytesReceived, record }]]))
}

/**
 * Which way the answer came: the WebRTC pair whose received bytes grew by
 * more than the answer's text (direct, or TURN-relayed when either end is a
 * relay candidate), else the relay's circuit.
 */
function kindUsed (before: PeerConnectionRecord[], after: PeerConnectionRecord[], answerLength: number): string {
  const start = receivedByPair(before)
  for (const [key, { bytes, record }] of receivedByPair(after)) {
    if (bytes - (start.get(key)?.bytes ?? 0) > answerLength) {
      return record.selected?.local === 'relay' || record.selected?.remote === 'relay' ? 'TURN-relayed WebRTC' : 'direct WebRTC'
    }
  }
  return 'circuit'
}

/** The WebRTC link the page holds once the answer is done (what /network shows), else the circuit. */
function linkHeld (after: PeerConnectionRecord[]): string {
  const selected = after.flatMap((record) => record.selected === undefined ? [] : [record.selected])
  if (selected.length === 0) return 'circuit'
  return selected.some((pair) => pair.local === 'relay' || pair.remote === 'relay') ? 'TURN-relayed WebRTC' : 'direct WebRTC'
}

/** One page load: the time to the first answer token shown, the way that answer came, and the link held after it. */
async function loadAndAsk (internet: InternetNetwork, placement: Placement, relayUrl: string): Promise<{ seconds: number, kind: string, link: string }> {
  const profile = await placement.launch(internet, relayUrl)
  try {
    const page = profile.pages()[0] ?? await profile.newPage()
    // Answer settings are the page's own, so set before timing: the clock starts at the load that matters.
    await page.goto(relayUrl)
    const panel = page.locator('details', { hasText: 'Answer settings' })
    await panel.locator('summary').click()
    await page.getByLabel('Temperature').fill('0')
    await page.getByLabel('Max tokens').fill(String(MAX_TOKENS))
    const started = performance.now()
    await page.reload()
    // Sent once the page knows a verifier (it is hydrated then, and Enter sends): part of the time to the first token.
    await page.getByTestId('verifier-status').and(page.locator('[data-peer-id]')).waitFor({ timeout: 60_000 })
    const message = page.getByRole('textbox', { name: 'Message' })
    await message.fill('Tell me a story about the sea.')
    await message.press('Enter')
    await waitFor('the message to be sent', async () => await message.inputValue() === '' ? true : undefined, 10_000)
    await waitFor('the first answer token', async () => (await shownAnswer(page)).length > 0 ? true : undefined, 60_000)
    const seconds = (performance.now() - started) / 1000
    const before = await peerConnections(page)
    const ended = await waitFor('the answer to end', async () => {
      const shown = await shownAnswer(page)
      return shown.status !== 'streaming' ? shown : undefined
    }, 120_000)
    if (ended.status !== 'complete') throw new Error(`the answer ended ${ended.status}`)
    const after = await peerConnections(page)
    return { seconds, kind: kindUsed(before, after, ended.length), link: linkHeld(after) }
  } finally {
    await profile.close()
  }
}

/**
 * Placements across the internet-like test network (tests/network/): the
 * time from loading the page to its first answer token, and the way the
 * answer came, for a page beside the relay, a café page behind a cone NAT
 * with STUN, and a mobile page behind a symmetric NAT with TURN and without. Needs root inside scripts/private-network.sh, like the tests.
 */
export async function benchInternet (): Promise<Section> {
  if (!canBuildInternet()) {
    throw new Error('the internet section needs root inside scripts/private-network.sh: bash scripts/private-network.sh npm run bench -- internet')
  }
  const { target } = await ensureDemoModels()
  const internet = await buildInternet()
  const rows: string[][] = []
  const measurements: Section['measurements'] = []
  try {
    for (const placement of PLACEMENTS) {
      const secret = randomBytes(18).toString('base64url')
      const processes: ShoalProcess[] = []
      // coturn answers STUN without credentials; the relay hands out TURN only with its secret.
      const coturn = placement.ice === 'none' ? undefined : await internet.startCoturn(secret)
      try {
        const relay = await internet.startRelay(placement.ice === 'turn' ? { turnSecret: secret } : { stun: placement.ice === 'stun' })
        processes.push(relay)
        const verifier = await internet.startVerifier(relay.url, ['--model', target, '--model-name', 'shoal-demo', '--threads', '1'])
        processes.push(verifier)
        const times: number[] = []
        const kinds: string[] = []
        const links: string[] = []
        for (let load = 0; load < LOADS; load++) {
          const { seconds, kind, link } = await loadAndAsk(internet, placement, relay.url)
          times.push(seconds)
          kinds.push(kind)
          links.push(link)
        }
        rows.push([placement.name, [...new Set(kinds)].join(', '), [...new Set(links)].join(', '), `${summarize(times).p50.toFixed(2)} s`])
        measurements.push({ name: `page load to first token: ${placement.name}`, unit: 's', summary: summarize(times) })
      } finally {
        for (const process of processes.reverse()) await process.stop()
        await coturn?.stop()
      }
    }
  } finally {
    await internet.down()
  }
  return {
    title: 'Across the internet: placements',
    description: `The internet-like test network (tests/network/internet.sh): relay and coturn on an "internet" bridge, the verifier (random demo model, 1 thread) in a home LAN behind a port-restricted cone NAT, Chromium on the bridge, in a café LAN behind another cone NAT (the relay handing out coturn's STUN alone, so a WebRTC link can only be a punched hole) or in a mobile LAN behind a symmetric NAT (with and without TURN). ${LOADS} fresh profiles per placement; each loads the chat page and asks one question at temperature 0 (${MAX_TOKENS} tokens). The time runs from the page load to the first answer text shown; the connection is the one that carried the answer (a WebRTC pair that received more bytes than the answer's text, else the relay's circuit). The page chats over the circuit until WebRTC is up, so a short answer can start and end there before the link it ends on (the next column: the WebRTC pair the page holds once the answer is done, what /network shows) is up.`,
    table: { columns: ['placement', 'connection the answer used', 'link to the verifier after the answer', 'page load to first token (p50)'], rows },
    measurements
  }
}
