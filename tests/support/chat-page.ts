import { expect } from '@playwright/test'
import type { Locator, Page } from '@playwright/test'

/**
 * The stored answers of the page's conversations, in order, read straight
 * from IndexedDB: the page renders Markdown, so its text on screen is not the
 * raw answer the tests compare with node-llama-cpp's.
 */
export async function storedAnswers (page: Page): Promise<Array<{ content: string, status: string }>> {
  return page.evaluate(async () => {
    const database = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('shoal')
      request.onerror = () => { reject(request.error ?? new Error('open failed')) }
      request.onsuccess = () => { resolve(request.result) }
    })
    const all = await new Promise<Array<{ role: string, content: string, status: string, sequence: number, createdAt: number }>>((resolve, reject) => {
      const request = database.transaction('messages').objectStore('messages').getAll()
      request.onsuccess = () => { resolve(request.result) }
      request.onerror = () => { reject(request.error ?? new Error('read failed')) }
    })
    database.close()
    return all.filter((message) => message.role === 'assistant')
      // Oldest first across conversations too: each conversation's sequences start again at 0.
      .sort((a, b) => a.createdAt - b.createdAt || a.sequence - b.sequence)
      .map(({ content, status }) => ({ content, status }))
  })
}

/** Sets the answer settings through the settings panel, as a user would. */
export async function setAnswerSettings (page: Page, settings: { temperature?: number, maxTokens?: number }): Promise<void> {
  const panel = page.locator('details', { hasText: 'Answer settings' })
  if (await panel.getAttribute('open') === null) {
    await panel.locator('summary').click()
  }
  if (settings.temperature !== undefined) {
    await page.getByLabel('Temperature').fill(String(settings.temperature))
    await expect(panel.locator('summary')).toContainText(`temperature ${settings.temperature}`)
  }
  if (settings.maxTokens !== undefined) {
    await page.getByLabel('Max tokens').fill(String(settings.maxTokens))
    await expect(panel.locator('summary')).toContainText(`up to ${settings.maxTokens} tokens`)
  }
}

/** The chat page's message box. */
export function composer (page: Page): Locator {
  return page.getByRole('textbox', { name: 'Message' })
}

/** The newest answer on the page. */
export function lastAnswer (page: Page): Locator {
  return page.locator('[data-testid="message"][data-role="assistant"]').last()
}

/** Types `question` and sends it with Enter, as a person does; resolves once the box is empty (sent). */
export async function ask (page: Page, question: string): Promise<void> {
  await composer(page).fill(question)
  await composer(page).press('Enter')
  await expect(composer(page)).toHaveValue('')
}
