import { mkdir } from 'node:fs/promises'
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { ask, lastAnswer } from '../support/chat-page.ts'
import { e2eSession } from '../support/e2e-session.ts'
import { isolatedStartEnv, NPM_START_READY, npmStart, stopNpmStart, terminateAsASupervisorWould } from '../support/npm-start.ts'
import type { NpmStart } from '../support/npm-start.ts'
import { PHONE_WIDTH, photograph, sidewaysOverflow } from '../support/page-layout.ts'
import { temporaryDirectory } from '../support/processes.ts'

/**
 * A newcomer's first hour, walked as one person would, on what a fresh
 * clone has: `npm start` with an empty model cache, the app it prints,
 * contributing switched on in one browser, a six-turn conversation at the
 * default settings with drafters allowed in another, every page on a
 * phone, and SIGTERM to `npm start` leaving nothing behind. Real npm, relay,
 * verifier and Chromium; runs inside the private test network.
 */

const { openProfile } = e2eSession()
const started: Array<{ run: NpmStart, relayPort: number, apiPort: number }> = []
test.afterEach(async () => { await Promise.all(started.splice(0).map(stopNpmStart)) })

const ROUTES = ['/', '/contribute', '/network', '/models', '/receipts'] as const

const QUESTIONS = [
  'Tell me a story about a cat.',
  'What happened next?',
  'Tell me about her friend.',
  'Where did they go?',
  'Tell me a story about the rain.',
  'How did it end?'
]

async function statOf (page: Page, name: string): Promise<number> {
  return Number(await page.getByTestId(`stat-${name}`).textContent())
}

test('a newcomer\'s first hour from an empty model cache: npm start, contribute, a six-turn chat with drafters, every page on a phone, a clean stop', async ({}, testInfo) => {
  // npm start loads llama.cpp and the model; two browsers load wllama; six answers of up to 512 tokens.
  test.setTimeout(480_000)
  const setup = await isolatedStartEnv(await temporaryDirectory('shoal-empty-cache-'))
  const { relayPort, apiPort } = setup
  const run = npmStart(setup.env)
  started.push({ run, relayPort, apiPort })
  const output = await run.waitForOutput(NPM_START_READY, 180_000)
  // The first URL printed is the app.
  const appUrl = output.match(/http:\/\/localhost:\d+/)?.[0]
  expect(appUrl, output).toBe(`http://localhost:${relayPort}`)

  // One browser contributes with the page's default draft model, served from the once-empty cache.
  const contributor = await openProfile()
  await contributor.goto(`${appUrl}/contribute`)
  await contributor.getByTestId('contribute-toggle').check()
  await expect(contributor.getByTestId('contribute-status')).toHaveAttribute('data-status', 'drafting', { timeout: 120_000 })

  // Another chats, allowing drafters, at the default answer settings.
  const chatter = await openProfile()
  await chatter.goto(appUrl ?? '')
  await expect(chatter.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', /^12D3KooW/, { timeout: 60_000 })
  await chatter.getByTestId('chat-privacy').getByRole('combobox').selectOption('drafters-allowed')
  for (const [turn, question] of QUESTIONS.entries()) {
    await ask(chatter, question)
    await expect(chatter.getByTestId('message').filter({ hasText: question })).toBeVisible()
    await expect(lastAnswer(chatter), `turn ${turn + 1}`).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
  }
  await expect(chatter.locator('[data-testid="message"][data-role="assistant"]')).toHaveCount(QUESTIONS.length)
  // The 512-token context cannot hold six stories: the page says what it left out rather than failing.
  await expect(chatter.getByTestId('older-not-sent')).toBeVisible()
  await expect.poll(async () => statOf(contributor, 'drafted'), { timeout: 20_000 }).toBeGreaterThan(0)

  // Every page on a phone, looked at in the contributor's browser (its pages have the most on them).
  const shots = testInfo.outputPath('screenshots')
  await mkdir(shots, { recursive: true })
  const problems: string[] = []
  for (const route of ROUTES) {
    await contributor.getByRole('navigation', { name: 'Main' }).locator(`a[href="${route}"]`).click()
    await expect(contributor).toHaveURL(`${appUrl}${route}`)
    await contributor.setViewportSize({ width: PHONE_WIDTH, height: 780 })
    for (const problem of await sidewaysOverflow(contributor)) problems.push(`${route}: ${problem}`)
    if (route === '/network') {
      // The map is drawn at the phone's own scale: its labels as legible as the text around them.
      const mapScale = await contributor.getByTestId('mesh-diagram').locator('svg').first().evaluate((svg) => (svg as SVGSVGElement).getScreenCTM()?.a ?? 0)
      if (mapScale < 0.95) problems.push(`/network: the mesh map is drawn at ${mapScale.toFixed(2)}x, its labels shrunk`)
      // However few samples there are yet, the time axis spans at most the minutes kept.
      await expect.poll(async () => Number(await contributor.getByTestId('rtt-chart').getAttribute('data-span-s'))).toBeGreaterThan(0)
      expect(Number(await contributor.getByTestId('rtt-chart').getAttribute('data-span-s'))).toBeLessThanOrEqual(10 * 60)
    }
    if (route === '/receipts') {
      // Every receipt was earned today: one bar, on an axis one day wide.
      await expect(contributor.getByTestId('earned-chart')).toHaveAttribute('data-points', '1')
      await expect(contributor.getByTestId('earned-chart')).toHaveAttribute('data-span-s', String(24 * 60 * 60))
    }
    await photograph(contributor, shots, route === '/' ? 'chat' : route.slice(1))
  }
  await chatter.setViewportSize({ width: PHONE_WIDTH, height: 780 })
  for (const problem of await sidewaysOverflow(chatter)) problems.push(`chat with six turns: ${problem}`)
  await photograph(chatter, shots, 'chat-six-turns')
  expect(problems).toEqual([])

  // Stopped as a process manager stops it: nothing left running, nothing on its ports.
  expect((await terminateAsASupervisorWould(run, relayPort, apiPort)).code).toBe(0)
})
