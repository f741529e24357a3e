import { expect, test } from '@playwright/test'
import { ensureDemoModel } from '../gpu-node/src/model/demo-models.ts'
import { englishScore, loadDictionary } from './english-score.ts'
import { STORIES_DRAFT_PATH, STORIES_TARGET_PATH } from './stories-files.ts'
import { AGREEMENT_PROMPTS, ANSWER_TOKENS, EVERYDAY_PROMPTS } from './stories-prompts.ts'
import { greedyAgreement, greedyAnswer, loadModel } from './stories-eval.ts'
import type { EnglishScore } from './english-score.ts'
import type { LoadedModel } from './stories-eval.ts'

/**
 * The committed story pair (demo-models/*.gguf, built by `npm run train-demo`;
 * nothing here trains) in node-llama-cpp: the target writes English, the
 * random demo model does not, and the draft agrees with the target often
 * enough to be worth drafting with.
 */
const THREADS = 1

async function everydayScore (loaded: LoadedModel): Promise<{ score: EnglishScore, answers: string[] }> {
  const words = await loadDictionary()
  const answers: string[] = []
  for (const chat of EVERYDAY_PROMPTS) {
    answers.push(await greedyAnswer(loaded, chat, ANSWER_TOKENS))
  }
  return { score: englishScore(answers.join('\n'), words), answers }
}

async function withModel<T> (path: string, use: (loaded: LoadedModel) => Promise<T>): Promise<T> {
  const loaded = await loadModel(path, THREADS)
  try {
    return await use(loaded)
  } finally {
    await loaded.dispose()
  }
}

test('the trained target answers everyday prompts in English; the random demo target does not', async () => {
  const trained = await withModel(STORIES_TARGET_PATH, everydayScore)
  const random = await withModel(await ensureDemoModel('target'), everydayScore)
  const report = JSON.stringify({ trained, random: random.score }, null, 1)
  expect(trained.score.words, report).toBeGreaterThan(100)
  expect(trained.score.dictionaryShare, report).toBeGreaterThanOrEqual(0.9)
  expect(trained.score.functionWordShare, report).toBeGreaterThanOrEqual(0.25)
  expect(trained.score.sentenceShare, report).toBeGreaterThanOrEqual(0.8)
  // The random model's vocabulary is common English words, so it scores high on word shares
  // too (~97% and ~27%); it is lower on each, and far lower on sentence form.
  expect(random.score.dictionaryShare, report).toBeLessThan(trained.score.dictionaryShare)
  expect(random.score.functionWordShare, report).toBeLessThan(trained.score.functionWordShare)
  expect(random.score.sentenceShare, report).toBeLessThan(trained.score.sentenceShare / 2)
})

test('the draft guesses the target\'s greedy tokens at least 65% of the time (teacher-forced)', async () => {
  const target = await loadModel(STORIES_TARGET_PATH, THREADS)
  const draft = await loadModel(STORIES_DRAFT_PATH, THREADS)
  try {
    const agreement = await greedyAgreement(target, draft, AGREEMENT_PROMPTS, ANSWER_TOKENS)
    expect(agreement.positions).toBeGreaterThan(AGREEMENT_PROMPTS.length * 20)
    expect(agreement.rate, JSON.stringify(agreement)).toBeGreaterThanOrEqual(0.65)
  } finally {
    await draft.dispose()
    await target.dispose()
  }
})

test('the english score needs the word list and says so', async () => {
  await expect(loadDictionary('/nonexistent/words')).rejects.toThrow(/apt-get install -y wamerican/)
})
