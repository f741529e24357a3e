import type { Page } from '@playwright/test'
import { launchProfile } from '../tests/support/browser.ts'
import { startGpuNode, startRelay } from '../tests/support/processes.ts'
import type { Section } from './report.ts'
import { summarize } from './stats.ts'

const PAGE_LOADS = 7
const GOSSIP_SAMPLES = 10

async function markTime (page: Page, name: string): Promise<number> {
  await page.waitForFunction((mark) => performance.getEntriesByName(mark, 'mark').length > 0, name, { timeout: 60_000 })
  return page.evaluate((mark) => performance.getEntriesByName(mark, 'mark')[0]!.startTime, name)
}

/**
 * The mesh's own latencies, over a real relay, gpu-node and Chromium:
 * how fast a fresh page joins, how fast a persistent stream answers, and how
 * fast gossip travels.
 */
export async function benchMeshLatency (): Promise<Section> {
  const relay = await startRelay()
  const verifier = await startGpuNode({ relayUrl: relay.url })
  const { peerId: verifierId } = await (await fetch(`${verifier.url}/health`)).json() as { peerId: string }
  const toReservation: number[] = []
  const toDirect: number[] = []
  const roundTrips: number[] = []
  const gossip: number[] = []
  try {
    for (let load = 0; load < PAGE_LOADS; load++) {
      const profile = await launchProfile()
      try {
        const page = await profile.newPage()
        await page.goto(`${relay.url}/network`)
        toReservation.push(await markTime(page, 'shoal:relay-reserved'))
        toDirect.push(await markTime(page, 'shoal:direct-verifier'))
        process.stdout.write(`  page load ${load + 1}/${PAGE_LOADS}: reserved ${toReservation.at(-1)!.toFixed(0)} ms, direct WebRTC ${toDirect.at(-1)!.toFixed(0)} ms\n`)
        if (load === PAGE_LOADS - 1) {
          const card = page.locator(`[data-testid="verifier"][data-peer-id="${verifierId}"]`)
          for (let run = 0; run < 4; run++) {
            await card.getByRole('button', { name: 'Measure round trip' }).click()
            await page.waitForFunction(() => /^p50 /.test(document.querySelector('[data-testid="probe-result"]')?.textContent ?? ''))
            const text = await card.getByTestId('probe-result').textContent() ?? ''
            roundTrips.push(Number(/p50 ([\d.]+) ms/.exec(text)?.[1]))
          }
          const row = page.locator(`[data-testid="peer"][data-peer-id="${verifierId}"]`)
          let lastSeen = ''
          while (gossip.length < GOSSIP_SAMPLES) {
            await page.waitForFunction(({ selector, previous }) => document.querySelector(selector)?.getAttribute('data-last-seen') !== previous,
              { selector: `[data-testid="peer"][data-peer-id="${verifierId}"]`, previous: lastSeen }, { timeout: 20_000 })
            lastSeen = await row.getAttribute('data-last-seen') ?? ''
            gossip.push(Number(lastSeen) - Number(await row.getAttribute('data-sent-at')))
          }
        }
      } finally {
        await profile.close()
      }
    }
  } finally {
    await verifier.stop()
    await relay.stop()
  }
  return {
    title: 'Mesh latency',
    description: `${PAGE_LOADS} fresh Chromium profiles open the relay's /network page with one gpu-node in the mesh. Times ` +
      'from navigation start (Performance marks). Round trip: 64-byte echo on one long-lived `/shoal/probe/1.0.0` stream ' +
      'browser↔verifier over direct WebRTC, p50 of 50 per run. Gossip: verifier announcement publish→receive in the page ' +
      '(clock of one machine, ms resolution).',
    measurements: [
      { name: 'page load → relay reservation', unit: 'ms', summary: summarize(toReservation) },
      { name: 'page load → direct WebRTC to the verifier', unit: 'ms', summary: summarize(toDirect), target: { op: '<=', value: 2000, of: 'p50' } },
      { name: 'stream round trip browser↔verifier', unit: 'ms', summary: summarize(roundTrips), target: { op: '<=', value: 2, of: 'p50' } },
      { name: 'gossip publish → receive', unit: 'ms', summary: summarize(gossip) }
    ]
  }
}
