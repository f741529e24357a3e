/**
 * Checks the written GGUF pair in node-llama-cpp and records the figures in
 * demo-models/training-log.json, beside the training curves:
 *
 * - llama.cpp's greedy answers from each file equal torch's (export_weights.py)
 *   on the fixed prompts, token for token (so the layout, rope and tied head
 *   are read as trained);
 * - perplexity on held-out documents, in llama.cpp;
 * - teacher-forced greedy agreement of the draft with the target;
 * - the English score of greedy answers, the random demo target's beside it;
 * - milliseconds per token on one thread.
 *
 * Exits with an error when the greedy answers differ.
 *
 * Usage: tsx verify-gguf.ts CACHE_DIR OUT_DIR
 */
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ensureDemoModel } from '../../gpu-node/src/model/demo-models.ts'
import { englishScore, loadDictionary } from '../english-score.ts'
import { STORIES_DRAFT_FILE, STORIES_TARGET_FILE } from '../stories-files.ts'
import { AGREEMENT_PROMPTS, ANSWER_TOKENS, EVERYDAY_PROMPTS } from '../stories-prompts.ts'
import { greedyAgreement, greedyAnswer, greedyTokens, loadModel } from '../stories-eval.ts'
import { readManifest } from './export-manifest.ts'
import type { Token } from 'node-llama-cpp'
import type { EnglishScore } from '../english-score.ts'
import type { LoadedModel } from '../stories-eval.ts'
import type { StoriesRole } from './export-manifest.ts'

/** Greedy tokens that must agree with torch's, at least (fewer when the answer ends sooner). */
const MATCHED_TOKENS = 20
const THREADS = 1
const PERPLEXITY_DOCUMENTS = 16
const PERPLEXITY_WINDOW = 256

interface Prompts { everyday: Token[][], agreement: Token[][] }

/** Length of the common prefix of two token lists. */
function commonPrefix (left: readonly number[], right: readonly number[]): number {
  let index = 0
  while (index < left.length && index < right.length && left[index] === right[index]) index++
  return index
}

async function checkGreedy (loaded: LoadedModel, prompts: Prompts, torchGreedy: Record<'everyday' | 'agreement', number[][]>): Promise<{ prompts: number, minimumMatched: number, failures: string[] }> {
  const failures: string[] = []
  let minimumMatched = Infinity
  let count = 0
  for (const group of ['everyday', 'agreement'] as const) {
    for (const [index, prompt] of prompts[group].entries()) {
      const expected = torchGreedy[group][index] ?? []
      const actual = await greedyTokens(loaded, prompt, expected.length)
      const matched = commonPrefix(actual, expected)
      minimumMatched = Math.min(minimumMatched, matched)
      count++
      if (matched < Math.min(MATCHED_TOKENS, expected.length)) {
        failures.push(`${group} prompt ${index}: llama.cpp ${JSON.stringify(actual)} vs torch ${JSON.stringify(expected)}`)
      }
    }
  }
  return { prompts: count, minimumMatched, failures }
}

/** Mean negative log-likelihood (nats per token) of held-out documents, computed by llama.cpp. */
async function heldOutLoss (loaded: LoadedModel, cacheDir: string): Promise<number> {
  const tokensFile = await readFile(join(cacheDir, 'tokens-valid.u16'))
  const startsFile = await readFile(join(cacheDir, 'documents-valid.u32'))
  const tokens = new Uint16Array(tokensFile.buffer, tokensFile.byteOffset, tokensFile.length / 2)
  const starts = new Uint32Array(startsFile.buffer, startsFile.byteOffset, startsFile.length / 4)
  let total = 0
  let count = 0
  for (let document = 0; document < PERPLEXITY_DOCUMENTS; document++) {
    const start = starts[document] ?? 0
    const window = Array.from(tokens.subarray(start, start + PERPLEXITY_WINDOW + 1)) as Token[]
    await loaded.sequence.clearHistory()
    const results = await loaded.sequence.controlledEvaluate(window.slice(0, -1).map((token) => [token, { generateNext: { probabilities: true } }]))
    results.forEach((result, index) => {
      const probability = result?.next.probabilities?.get(window[index + 1] as Token) ?? 0
      total -= Math.log(Math.max(probability, 1e-12))
      count++
    })
  }
  return total / count
}

async function millisecondsPerToken (loaded: LoadedModel): Promise<number> {
  const prompt = [loaded.model.tokens.bos ?? 0] as Token[]
  await greedyTokens(loaded, prompt, 8) // warm-up
  let best = Infinity
  for (let round = 0; round < 3; round++) {
    const started = performance.now()
    const tokens = await greedyTokens(loaded, prompt, 128)
    best = Math.min(best, (performance.now() - started) / tokens.length)
  }
  return best
}

async function englishOf (loaded: LoadedModel, words: ReadonlySet<string>): Promise<EnglishScore & { answers: string[] }> {
  const answers: string[] = []
  for (const chat of EVERYDAY_PROMPTS) answers.push(await greedyAnswer(loaded, chat, ANSWER_TOKENS))
  const score = englishScore(answers.join('\n'), words)
  return {
    words: score.words,
    dictionaryShare: round(score.dictionaryShare),
    functionWordShare: round(score.functionWordShare),
    sentenceShare: round(score.sentenceShare),
    answers
  }
}

const round = (value: number, digits = 4): number => Number(value.toFixed(digits))

async function main (cacheDir: string, outDir: string): Promise<void> {
  const prompts = JSON.parse(await readFile(join(cacheDir, 'prompts.json'), 'utf8')) as Prompts
  const words = await loadDictionary()
  const paths: Record<StoriesRole, string> = { target: join(outDir, STORIES_TARGET_FILE), draft: join(outDir, STORIES_DRAFT_FILE) }
  const models: Partial<Record<StoriesRole, LoadedModel>> = {}
  const checks: Record<string, unknown> = {}
  const failures: string[] = []
  for (const role of ['target', 'draft'] as const) {
    const loaded = await loadModel(paths[role], THREADS, 2 * PERPLEXITY_WINDOW)
    models[role] = loaded
    const greedy = await checkGreedy(loaded, prompts, (await readManifest(cacheDir, role)).greedy)
    failures.push(...greedy.failures.map((failure) => `${role}: ${failure}`))
    checks[role] = {
      bytes: (await stat(paths[role])).size,
      greedyMatchesTorch: { prompts: greedy.prompts, minimumMatchedTokens: greedy.minimumMatched, failures: greedy.failures.length },
      heldOutLoss: round(await heldOutLoss(loaded, cacheDir)),
      msPerTokenOneThread: round(await millisecondsPerToken(loaded), 3)
    }
    console.log(role, JSON.stringify(checks[role]))
  }
  const target = models.target as LoadedModel
  const draft = models.draft as LoadedModel
  const agreement = await greedyAgreement(target, draft, AGREEMENT_PROMPTS, ANSWER_TOKENS)
  checks.agreement = { ...agreement, rate: round(agreement.rate), prompts: AGREEMENT_PROMPTS.length, answerTokens: ANSWER_TOKENS }
  const random = await loadModel(await ensureDemoModel('target'), THREADS)
  checks.english = { trained: await englishOf(target, words), randomDemo: await englishOf(random, words) }
  console.log(JSON.stringify({ agreement: checks.agreement, english: checks.english }, null, 1))
  for (const loaded of [target, draft, random]) await loaded.dispose()

  const trainingLog = async (name: string): Promise<unknown> => JSON.parse(await readFile(join(cacheDir, name), 'utf8'))
  const corpus: Record<string, unknown> = {}
  for (const split of ['train', 'valid']) {
    corpus[split] = { ...await trainingLog(`corpus-${split}.json`) as object, tokens: (await stat(join(cacheDir, `tokens-${split}.u16`))).size / 2 }
  }
  const log = {
    note: 'Written by demo-models/train/verify-gguf.ts (npm run train-demo).',
    corpus,
    target: await trainingLog('target-log.json'),
    draft: await trainingLog('draft-log.json'),
    checks
  }
  await writeFile(join(outDir, 'training-log.json'), JSON.stringify(log, null, 1) + '\n')
  if (failures.length > 0) {
    throw new Error(`llama.cpp's greedy answers differ from torch's:\n${failures.join('\n')}`)
  }
}

await main(process.argv[2] ?? '.cache/demo-training', process.argv[3] ?? 'demo-models')
