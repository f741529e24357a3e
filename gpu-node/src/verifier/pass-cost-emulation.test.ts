import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { getLlama, LlamaLogLevel } from 'node-llama-cpp'
import { ensureDemoModel } from '../model/demo-models.ts'
import { emulatePassCost, fitPassCost, loadPassCostProfile, parsePassCostProfile, passDurationMs, PassCostProfileError } from './pass-cost-emulation.ts'
import type { Token } from 'node-llama-cpp'

test('profiles by name and as BASE,PER_TOKEN; anything else is refused with the choices', () => {
  expect(parsePassCostProfile('h100-8b')).toMatchObject({ name: 'h100-8b', baseMs: 8, perTokenMs: 0.16 })
  expect(parsePassCostProfile('30,0.25')).toMatchObject({ baseMs: 30, perTokenMs: 0.25 })
  for (const bad of ['', 'h100', '30', '-1,2', '0,1', '30,0.25,1', 'NaN,1']) {
    expect(() => parsePassCostProfile(bad), bad).toThrow(PassCostProfileError)
  }
  expect(() => parsePassCostProfile('fast')).toThrow(/h100-8b, h100-70b/)
})

test('a pass lasts base + per-token × (tokens − 1)', () => {
  const profile = parsePassCostProfile('30,0.25')
  expect(passDurationMs(profile, 1)).toBe(30)
  expect(passDurationMs(profile, 13)).toBe(33)
  expect(passDurationMs(profile, 0)).toBe(30)
})

test('each decode of a real context is padded to the profile, counting every sequence batched into it', async () => {
  const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error })
  const model = await llama.loadModel({ modelPath: await ensureDemoModel('target') })
  const context = await model.createContext({ contextSize: 256, sequences: 2, threads: 1 })
  try {
    const profile = parsePassCostProfile('40,5')
    const emulation = emulatePassCost(context, profile)
    const [first, second] = [context.getSequence(), context.getSequence()]
    const prompt = model.tokenize('Once upon a time') as Token[]

    const startedAt = performance.now()
    await first.controlledEvaluate(prompt.map((token, index) => index === prompt.length - 1 ? [token, { generateNext: { token: true } }] : token))
    const alone = performance.now() - startedAt
    expect(emulation.stats.passes).toBe(1)
    expect(emulation.stats.tokens).toBe(prompt.length)
    expect(emulation.stats.sequences).toBe(1)
    expect(alone).toBeGreaterThanOrEqual(passDurationMs(profile, prompt.length))

    // Two sequences evaluated at once share one decode: one pass over both prompts' tokens.
    await Promise.all([first, second].map(async (sequence) => sequence.controlledEvaluate([[prompt[0] as Token, { generateNext: { token: true } }]])))
    expect(emulation.stats.passes).toBe(2)
    expect(emulation.stats.tokens).toBe(prompt.length + 2)
    expect(emulation.stats.sequences).toBe(3)
    expect(emulation.stats.paddedMs).toBeGreaterThan(0)
  } finally {
    await context.dispose()
    await model.dispose()
    await llama.dispose()
  }
})

test('a measured curve is fitted as base + per-token, and a profile file is read back and checked', async () => {
  const measured = [1, 5, 9, 17].map((tokens) => ({ sequences: 1, tokensPerSequence: tokens, tokens, ms: 8 + 0.16 * (tokens - 1) }))
  const fit = fitPassCost(measured)
  expect(fit.baseMs).toBeCloseTo(8, 6)
  expect(fit.perTokenMs).toBeCloseTo(0.16, 6)
  expect(fitPassCost([{ sequences: 1, tokensPerSequence: 1, tokens: 1, ms: 5 }, { sequences: 1, tokensPerSequence: 9, tokens: 9, ms: 4 }]).perTokenMs).toBe(0)

  const directory = await mkdtemp(join(tmpdir(), 'shoal-pass-cost-'))
  const file = join(directory, 'h200.json')
  await writeFile(file, JSON.stringify({ name: 'cuda-h200-test', ...fit, source: 'measured', measured }))
  expect(await loadPassCostProfile(file)).toMatchObject({ name: 'cuda-h200-test', baseMs: fit.baseMs })
  expect(await loadPassCostProfile('h100-70b')).toMatchObject({ baseMs: 30 })
  await writeFile(file, JSON.stringify({ name: 'x', baseMs: -1 }))
  await expect(loadPassCostProfile(file)).rejects.toThrow(/not a pass-cost profile/)
  await expect(loadPassCostProfile(join(directory, 'missing.json'))).rejects.toThrow(PassCostProfileError)
})
