import type { Page } from '@playwright/test'
import { launchProfile } from '../tests/support/browser.ts'
import type { GenerationTiming } from './chat-throughput.ts'

/** When an answer started, showed its first text and completed, in the page's clock (ms). */
export interface AnswerTimes {
  started: number
  firstAt: number
  endedAt: number
}

/**
 * Times one answer in the real chat page, in the page's own clock: from the
 * Enter that sends the question to the first answer text on screen (time to
 * first token), and from there to the answer marked complete.
 */
export async function timeAnswerInPage (page: Page, prompt: string): Promise<AnswerTimes> {
  await page.getByRole('button', { name: 'New chat' }).click()
  const composer = page.getByRole('textbox', { name: 'Message' })
  await composer.fill(prompt)
  // No named functions inside: tsx would wrap them in a `__name` helper the page does not have.
  return page.evaluate(async () => {
    const textbox = document.querySelector<HTMLTextAreaElement>('textarea')
    if (textbox === null) {
      throw new Error('no composer')
    }
    const selector = '[data-testid="message"][data-role="assistant"]'
    const before = document.querySelectorAll(selector).length
    return new Promise<{ started: number, firstAt: number, endedAt: number }>((resolve) => {
      let firstAt: number | undefined
      const observer = new MutationObserver(() => {
        const answer = document.querySelectorAll(selector)[before]
        if (answer === undefined) {
          return
        }
        const now = performance.now()
        if (firstAt === undefined && (answer.querySelector('[data-testid="answer-text"]')?.textContent ?? '') !== '') {
          firstAt = now
        }
        if (answer.getAttribute('data-status') === 'complete') {
          observer.disconnect()
          resolve({ started, firstAt: firstAt ?? now, endedAt: now })
        }
      })
      observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
      const started = performance.now()
      textbox.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }))
    })
  })
}

/** Times one answer from the verifier; the token count is the verifier's, as the page stored it. */
async function timeOneAnswer (page: Page, prompt: string): Promise<GenerationTiming> {
  const times = await timeAnswerInPage(page, prompt)
  // The page checks and stores the answer's receipt after showing it complete: let that finish
  // too, so that it does not run into whatever is measured next.
  await page.locator('[data-testid="message"][data-role="assistant"] [data-testid="answer-receipt"]').last().waitFor({ timeout: 10_000 })
  const tokens = await page.evaluate(async () => {
    const database = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('shoal')
      request.onsuccess = () => { resolve(request.result) }
      request.onerror = () => { reject(request.error ?? new Error('open failed')) }
    })
    const messages = await new Promise<Array<{ role: string, sequence: number, createdAt?: number, usage?: { completionTokens: number } }>>((resolve, reject) => {
      const request = database.transaction('messages').objectStore('messages').getAll()
      request.onsuccess = () => { resolve(request.result) }
      request.onerror = () => { reject(request.error ?? new Error('read failed')) }
    })
    database.close()
    const answers = messages.filter((message) => message.role === 'assistant' && message.usage !== undefined)
    return answers.sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0)).at(-1)?.usage?.completionTokens ?? 0
  })
  return {
    firstTokenMs: times.firstAt - times.started,
    tokensPerSecond: tokens > 1 ? (tokens - 1) / ((times.endedAt - times.firstAt) / 1000) : Number.NaN,
    tokens
  }
}

/** The chat page in a fresh profile, ready to time answers, and how to close it. */
export interface MeshChat {
  time: (prompt: string) => Promise<GenerationTiming>
  close: () => Promise<void>
}

/** Opens the chat page of a fresh profile, connected directly (WebRTC) to the verifier, with greedy settings. */
export async function openMeshChat (relayUrl: string, verifierId: string, maxTokens: number): Promise<MeshChat> {
  const profile = await launchProfile()
  try {
    const page = await profile.newPage()
    await page.goto(relayUrl)
    await page.locator(`[data-testid="verifier-status"][data-peer-id="${verifierId}"]`).waitFor({ timeout: 30_000 })
    // Wait for the direct WebRTC connection, as a person would after the page settles.
    await page.waitForFunction(() => performance.getEntriesByName('shoal:direct-verifier', 'mark').length > 0, null, { timeout: 30_000 })
    const panel = page.locator('details', { hasText: 'Answer settings' })
    await panel.locator('summary').click()
    await page.getByLabel('Temperature').fill('0')
    await page.getByLabel('Max tokens').fill(String(maxTokens))
    await timeOneAnswer(page, 'warm up')
    return {
      time: async (prompt) => timeOneAnswer(page, prompt),
      close: async () => { await profile.close() }
    }
  } catch (err) {
    await profile.close()
    throw err
  }
}
