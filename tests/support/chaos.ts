/**
 * The mesh under load while its parts die: a relay, two verifiers, two
 * contributing tabs and eight chatting tabs, with a seeded schedule that
 * kills one of them (SIGKILL for a process, closing the page for a tab) at a
 * random moment of each round and starts it again. Shared by the chaos test
 * (tests/e2e/chaos.spec.ts) and its bench section (bench/chaos.ts).
 */
import { join } from 'node:path'
import { expect } from '@playwright/test'
import type { BrowserContext, Page } from '@playwright/test'
import { checkReceiptChains } from '#protocol'
import type { ReceiptFields } from '#protocol'
import { ask, lastAnswer, setAnswerSettings } from './chat-page.ts'
import { freePort, startGpuNode, startRelay, temporaryDirectory, waitFor } from './processes.ts'
import type { ShoalProcess } from './processes.ts'

export const VICTIMS = ['relay', 'verifier', 'drafter tab', 'chat tab'] as const
export type Victim = typeof VICTIMS[number]

export interface ChaosInit {
  rounds: number
  seed: number
  /** Opens a fresh browser profile's first page (the session closes it after the test). */
  openProfile: () => Promise<Page>
  /** Where started processes go, for the session's cleanup. */
  processes: ShoalProcess[]
  log?: (line: string) => void
}

export interface ChaosRound {
  victim: Victim
  /** When, after the questions were sent, the victim was killed. */
  killAfterMs: number
  /** Answers that completed, and those kept unfinished with a Retry to go on. */
  complete: number
  retryable: number
  /** Why each of those did not complete, as the page says. */
  reasons: string[]
  /** Answers that ended neither way (each a failure of the mesh). */
  stuck: string[]
  /** From the kill until every answer of the round had ended. */
  settledMs: number
}

export interface ChaosReport {
  rounds: ChaosRound[]
  /** Receipts the tabs hold, and the problems their chains show (none when intact). */
  receipts: number
  chainProblems: string[]
  /** Complete answers whose receipt is not in their tab's store. */
  missingReceipts: number
  /** From the last round's end until every process and tab was back on the mesh. */
  rejoinMs: number
}

const CHAT_TABS = 8
const CHAT_PROFILES = 2
const DRAFTER_TABS = 2
const QUESTIONS = ['Tell me a story about a cat.', 'Tell me a story about a boat.', 'What did the bird find?', 'Tell me a bedtime story.', 'Tell me a story about a brave dog.']

/** A seeded source of numbers in [0, 1) (mulberry32), so a failing schedule can be run again. */
export function seededRandom (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6D2B79F5) >>> 0
    let value = Math.imul(state ^ (state >>> 15), 1 | state)
    value ^= value + Math.imul(value ^ (value >>> 7), 61 | value)
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32
  }
}

interface Restartable {
  process: ShoalProcess
  restart: () => Promise<ShoalProcess>
}

/** Runs the schedule; the caller asserts on the report. */
export async function runChaos (init: ChaosInit): Promise<ChaosReport> {
  const log = init.log ?? (() => {})
  const random = seededRandom(init.seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const directory = await temporaryDirectory('shoal-chaos-')

  const relayPort = await freePort()
  const relayKey = join(directory, 'relay.key')
  const relay: Restartable = {
    process: await startRelay({ port: relayPort, keyFile: relayKey }),
    restart: async () => await startRelay({ port: relayPort, keyFile: relayKey })
  }
  init.processes.push(relay.process)
  const verifiers: Restartable[] = []
  for (let index = 0; index < 2; index++) {
    const apiPort = await freePort()
    // A restart on a machine this loaded has been seen to take over a minute: it is slow, not gone.
    const args = { healthTimeoutMs: 180_000, relayUrl: relay.process.url, apiPort, keyFile: join(directory, `verifier-${index}.key`), extraArgs: ['--threads', '1', '--capacity', '4', '--gpu', 'off', '--ledger', join(directory, `verifier-${index}.ledger.sqlite`)] }
    const process = await startGpuNode(args)
    init.processes.push(process)
    verifiers.push({ process, restart: async () => await startGpuNode(args) })
  }

  const drafterProfiles: BrowserContext[] = []
  const drafterPages: Page[] = []
  for (let index = 0; index < DRAFTER_TABS; index++) {
    const page = await init.openProfile()
    drafterProfiles.push(page.context())
    await page.goto(`${relay.process.url}/contribute`)
    await page.getByTestId('contribute-toggle').check()
    drafterPages.push(page)
  }
  for (const page of drafterPages) {
    await expect(page.getByTestId('contribute-status')).toHaveAttribute('data-status', 'drafting', { timeout: 120_000 })
  }

  const chatProfiles: BrowserContext[] = []
  for (let index = 0; index < CHAT_PROFILES; index++) {
    chatProfiles.push((await init.openProfile()).context())
  }
  const chatPages: Page[] = []
  for (let index = 0; index < CHAT_TABS; index++) {
    const profile = chatProfiles[index % CHAT_PROFILES] as BrowserContext
    chatPages.push(await openChatTab(profile, relay.process.url, index < CHAT_PROFILES ? profile.pages()[0] : undefined))
  }
  log(`chaos: ${CHAT_TABS} chat tabs and ${DRAFTER_TABS} drafting tabs on the mesh`)

  const rounds: ChaosRound[] = []
  for (let round = 0; round < init.rounds; round++) {
    const victim = pick(VICTIMS)
    const killAfterMs = Math.round(200 + random() * 1_500)
    await Promise.all(chatPages.map(async (page, index) => { await ask(page, QUESTIONS[(round + index) % QUESTIONS.length] ?? '') }))
    await sleep(killAfterMs)
    const killedAt = Date.now()
    switch (victim) {
      case 'relay':
        await relay.process.kill()
        relay.process = await relay.restart()
        init.processes.push(relay.process)
        break
      case 'verifier': {
        const verifier = pick(verifiers)
        await verifier.process.kill()
        verifier.process = await verifier.restart()
        init.processes.push(verifier.process)
        break
      }
      case 'drafter tab': {
        const index = Math.floor(random() * drafterPages.length)
        await drafterPages[index]?.close()
        const page = await (drafterProfiles[index] as BrowserContext).newPage()
        // Contributing was left on: the page takes it up again by itself.
        await page.goto(`${relay.process.url}/contribute`)
        drafterPages[index] = page
        break
      }
      case 'chat tab': {
        // The page goes away mid-answer and comes back: its answer must be there, kept, with Retry.
        const page = pick(chatPages)
        await page.reload()
        await prepareChatTab(page)
        break
      }
    }
    const ended = await Promise.all(chatPages.map(async (page) => await answerEnding(page)))
    const result: ChaosRound = {
      victim,
      killAfterMs,
      complete: ended.filter((ending) => ending === 'complete').length,
      retryable: ended.filter((ending) => ending.startsWith('retryable')).length,
      reasons: ended.filter((ending) => ending.startsWith('retryable')).map((ending) => ending.slice('retryable: '.length)),
      stuck: ended.filter((ending) => ending !== 'complete' && !ending.startsWith('retryable')),
      settledMs: Date.now() - killedAt
    }
    rounds.push(result)
    log(`chaos round ${round + 1}: killed the ${victim} after ${killAfterMs} ms; ${result.complete} complete, ${result.retryable} to retry, ${result.stuck.length} stuck; settled in ${result.settledMs} ms${result.reasons.length === 0 ? '' : ` (${[...new Set(result.reasons)].join(' | ')})`}${result.stuck.length === 0 ? '' : `; stuck: ${result.stuck.join(' | ')}`}`)
    // Each tab's next question goes into a new conversation, so one round's answer never waits on another's.
    await Promise.all(chatPages.map(async (page) => { await newChat(page) }))
  }

  const rejoinStart = Date.now()
  for (const verifier of verifiers) {
    await waitFor('the verifier to hold a reservation again', async () => {
      const health = await (await fetch(`${verifier.process.url}/health`)).json() as { relay: string }
      return health.relay === 'connected' ? true : undefined
    }, 60_000)
  }
  for (const page of drafterPages) {
    await expect(page.getByTestId('contribute-status')).toHaveAttribute('data-status', /drafting|waiting/, { timeout: 120_000 })
  }
  for (const page of chatPages) {
    await expect(page.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', /^12D3KooW/, { timeout: 60_000 })
  }
  const rejoinMs = Date.now() - rejoinStart

  // Every tab's receipts (each profile's store is shared by its tabs).
  const stores = [...chatProfiles.map((profile) => profile.pages()[0]), ...drafterPages].filter((page): page is Page => page !== undefined)
  let receipts = 0
  let missingReceipts = 0
  const chainProblems: string[] = []
  for (const page of stores) {
    const { held, wanted } = await receiptsOf(page)
    receipts += held.length
    const ids = new Set(held.map((receipt) => receipt.id))
    missingReceipts += wanted.filter((id) => !ids.has(id)).length
    for (const chain of checkReceiptChains(held)) {
      chainProblems.push(...chain.problems.map((problem) => `${chain.issuer.slice(-8)} → ${chain.subject.slice(-8)}: ${problem}`))
    }
  }
  return { rounds, receipts, chainProblems, missingReceipts, rejoinMs }
}

/** A chat tab on a new conversation, greedy short answers, drafters allowed. */
async function openChatTab (profile: BrowserContext, relayUrl: string, page?: Page): Promise<Page> {
  const tab = page ?? await profile.newPage()
  await tab.goto(relayUrl)
  await prepareChatTab(tab)
  await newChat(tab)
  return tab
}

async function prepareChatTab (tab: Page): Promise<void> {
  await expect(tab.getByTestId('verifier-status')).toHaveAttribute('data-peer-id', /^12D3KooW/, { timeout: 60_000 })
  await tab.getByTestId('chat-privacy').getByRole('combobox').selectOption('drafters-allowed')
  await setAnswerSettings(tab, { temperature: 0, maxTokens: 40 })
}

async function newChat (page: Page): Promise<void> {
  await page.getByRole('button', { name: 'New chat' }).click()
  await expect(page.getByTestId('message')).toHaveCount(0)
}

/**
 * How a tab's newest answer ended: complete, or unfinished with Retry
 * offered (its text so far kept); anything else, described.
 */
async function answerEnding (page: Page): Promise<string> {
  const answer = lastAnswer(page)
  try {
    await expect(answer).toHaveAttribute('data-status', /^(complete|interrupted|error|cancelled)$/, { timeout: 120_000 })
  } catch {
    return `still ${await answer.getAttribute('data-status').catch(() => 'missing') ?? 'missing'} after 120 s`
  }
  const status = await answer.getAttribute('data-status')
  if (status === 'complete') {
    return 'complete'
  }
  const why = ((await answer.getByTestId('answer-ending').textContent().catch(() => '')) ?? '').replace(/\s+/g, ' ').replace(/Retry$/, '').trim()
  return await answer.getByRole('button', { name: 'Retry' }).isEnabled().catch(() => false) ? `retryable: ${why}` : `${status ?? '?'} without a Retry: ${why}`
}

/** The receipts a tab's profile holds, and the ids its complete answers name. */
async function receiptsOf (page: Page): Promise<{ held: ReceiptFields[], wanted: string[] }> {
  return page.evaluate(async () => {
    const database = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('shoal')
      request.onerror = () => { reject(request.error ?? new Error('open failed')) }
      request.onsuccess = () => { resolve(request.result) }
    })
    // No named function inside: tsx (the bench) would wrap it in a helper the page does not have.
    const [receipts, messages] = await Promise.all(['receipts', 'messages'].map(async (store) => await new Promise<unknown[]>((resolve, reject) => {
      const request = database.transaction(store).objectStore(store).getAll()
      request.onsuccess = () => { resolve(request.result) }
      request.onerror = () => { reject(request.error ?? new Error('read failed')) }
    })))
    // Stored flat, as the receipt's fields beside its signed body (left out here).
    const held = (receipts as Array<ReceiptFields & { body?: unknown, signature?: unknown }>).map(({ body: _body, signature: _signature, ...fields }) => fields)
    const wanted = (messages as Array<{ status: string, receiptId?: string }>).filter((message) => message.status === 'complete' && message.receiptId !== undefined).map((message) => message.receiptId ?? '')
    database.close()
    return { held, wanted }
  })
}

async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}
