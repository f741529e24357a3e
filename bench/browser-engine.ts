import { getLlama, LlamaLogLevel, resolveChatWrapper } from 'node-llama-cpp'
import { buildChatPrompt } from '../gpu-node/src/verifier/chat-prompt.ts'
import { launchProfile } from '../tests/support/browser.ts'
import { ensureDemoPair } from '../tests/support/models.ts'
import { startRelay } from '../tests/support/processes.ts'
import { timeAnswerInPage } from './mesh-chat.ts'
import type { Section } from './report.ts'
import { summarize } from './stats.ts'

const MAX_TOKENS = 64
const PROMPTS = ['Tell me about the sea.', 'What do fish eat?', 'Why is the sky blue?', 'List some colours.', 'Write a haiku.']

/** node-llama-cpp's greedy tokens/s on the same prompts, model and thread count, and the tokens it made. */
async function directRates (modelPath: string, threads: number): Promise<{ rates: number[], tokens: number[] }> {
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads, logLevel: LlamaLogLevel.error })
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 })
  const rates: number[] = []
  const tokens: number[] = []
  try {
    const context = await model.createContext({ contextSize: 512, sequences: 1, threads })
    const sequence = context.getSequence()
    for (const prompt of PROMPTS) {
      await sequence.clearHistory()
      const input = buildChatPrompt(model, resolveChatWrapper(model), [{ role: 'user', content: prompt }]).tokens
      let firstAt: number | undefined
      let count = 0
      for await (const token of sequence.evaluate(input, { temperature: 0 })) {
        firstAt ??= performance.now()
        if (model.isEogToken(token) || ++count >= MAX_TOKENS) {
          break
        }
      }
      rates.push((count - 1) / ((performance.now() - (firstAt ?? 0)) / 1000))
      tokens.push(count)
    }
    await context.dispose()
  } finally {
    await model.dispose()
  }
  return { rates, tokens }
}

/**
 * wllama in Chromium (the chat page answering on this device, model in a
 * worker) against node-llama-cpp on the same demo model and thread count, and
 * how long loading the model takes, first from the relay and then from the
 * page's model cache.
 */
export async function benchBrowserEngine (): Promise<Section> {
  const models = await ensureDemoPair()
  const relay = await startRelay()
  const profile = await launchProfile()
  try {
    const page = await profile.newPage()
    await page.goto(relay.url)
    await page.getByRole('radio', { name: 'this device' }).check()
    const device = page.getByTestId('device-model')
    const loads: number[] = []
    for (let load = 0; load < 2; load++) {
      const started = Date.now()
      await page.getByRole('button', { name: 'Load the demo model here' }).click()
      await device.and(page.locator('[data-status="ready"]')).waitFor({ timeout: 120_000 })
      loads.push(Date.now() - started)
      if (load === 0) {
        await page.getByRole('button', { name: 'Unload' }).click()
        await device.and(page.locator('[data-status="none"]')).waitFor()
      }
    }
    const threads = Number(await device.getAttribute('data-threads'))
    const panel = page.locator('details', { hasText: 'Answer settings' })
    await panel.locator('summary').click()
    await page.getByLabel('Temperature').fill('0')
    await page.getByLabel('Max tokens').fill(String(MAX_TOKENS))
    await timeAnswerInPage(page, 'warm up')
    const direct = await directRates(models.target, threads)
    const wllama: number[] = []
    for (const [index, prompt] of PROMPTS.entries()) {
      const times = await timeAnswerInPage(page, prompt)
      // Greedy answers are identical (tests/e2e/local-chat.spec.ts), so both made the same tokens.
      wllama.push(((direct.tokens[index] ?? 0) - 1) / ((times.endedAt - times.firstAt) / 1000))
    }
    const directMedian = summarize(direct.rates).p50
    return {
      title: 'Browser engine',
      description: `The chat page answering on this device: wllama (WASM, ${threads} threads, cross-origin isolated) in a dedicated worker ` +
        `in headless Chromium, demo target (the story model, 4 layers × 192, F32), greedy, ${MAX_TOKENS} tokens, ${PROMPTS.length} prompts, timed in the page ` +
        `from first text to the answer marked complete. node-llama-cpp: the same prompts, model and thread count in Node. ` +
        'Load: click "Load the demo model here" until ready, first from the relay, then again from the page\'s model cache.',
      measurements: [
        { name: 'model load, first (download + compile)', unit: 'ms', summary: summarize([loads[0] ?? Number.NaN]) },
        { name: 'model load, cached', unit: 'ms', summary: summarize([loads[1] ?? Number.NaN]) },
        { name: 'node-llama-cpp tokens/s', unit: 'tokens/s', summary: summarize(direct.rates) },
        { name: 'wllama tokens/s', unit: 'tokens/s', summary: summarize(wllama) },
        { name: 'wllama / node-llama-cpp tokens/s', unit: 'ratio', summary: summarize(wllama.map((rate) => rate / directMedian)) }
      ]
    }
  } finally {
    await profile.close()
    await relay.stop()
  }
}
