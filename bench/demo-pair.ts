/**
 * The demo pair (demo-models/): how often the draft guesses the target's
 * greedy tokens, teacher-forced, over the fixed prompt set, and how much the
 * target's greedy answers read as English, beside the random demo model's.
 * The same prompts, token counts and scoring as demo-models/stories-pair.test.ts.
 * In node-llama-cpp, one thread; no network, no browser.
 */
import { ensureDemoModel } from '../gpu-node/src/model/demo-models.ts'
import { englishScore, loadDictionary } from '../demo-models/english-score.ts'
import { STORIES_DRAFT_PATH, STORIES_TARGET_PATH } from '../demo-models/stories-files.ts'
import { AGREEMENT_PROMPTS, ANSWER_TOKENS, EVERYDAY_PROMPTS } from '../demo-models/stories-prompts.ts'
import { greedyAgreement, greedyAnswer, loadModel } from '../demo-models/stories-eval.ts'
import { summarize } from './stats.ts'
import type { EnglishScore } from '../demo-models/english-score.ts'
import type { Section } from './report.ts'

const THREADS = 1

async function everydayEnglish (path: string): Promise<EnglishScore> {
  const words = await loadDictionary()
  const loaded = await loadModel(path, THREADS)
  try {
    const answers: string[] = []
    for (const chat of EVERYDAY_PROMPTS) {
      answers.push(await greedyAnswer(loaded, chat, ANSWER_TOKENS))
    }
    return englishScore(answers.join('\n'), words)
  } finally {
    await loaded.dispose()
  }
}

const percent = (share: number): string => `${(share * 100).toFixed(1)}%`

export async function benchDemoPair (): Promise<Section> {
  const target = await loadModel(STORIES_TARGET_PATH, THREADS)
  const draft = await loadModel(STORIES_DRAFT_PATH, THREADS)
  let agreement
  try {
    agreement = await greedyAgreement(target, draft, AGREEMENT_PROMPTS, ANSWER_TOKENS)
  } finally {
    await draft.dispose()
    await target.dispose()
  }
  const trained = await everydayEnglish(STORIES_TARGET_PATH)
  const random = await everydayEnglish(await ensureDemoModel('target'))
  const one = (value: number): ReturnType<typeof summarize> => summarize([value])
  return {
    title: 'Demo pair',
    description: 'The demo pair in demo-models/ (target 4 layers × 192, draft 2 layers × 128 distilled from it; F32), in node-llama-cpp on the CPU, ' +
      `${THREADS} thread, greedy. Agreement: the target's greedy answers (up to ${ANSWER_TOKENS} tokens) to ${AGREEMENT_PROMPTS.length} fixed chats ` +
      '(demo-models/stories-prompts.ts), and at every position whether the draft\'s greedy guess, given everything before it (teacher-forced), ' +
      `is the target's token. English: the greedy answers to ${EVERYDAY_PROMPTS.length} everyday prompts, scored with Debian's wamerican word list ` +
      '(demo-models/english-score.ts): words in the dictionary, common function words (the, and, was, …), and words in well-formed sentences; ' +
      'the random demo model (256x4, random weights over common English words) for comparison. One value per figure (the files and prompts ' +
      'are fixed and greedy decoding is deterministic), so p50 = min = max.',
    table: {
      columns: ['model', 'words', 'dictionary words', 'function words', 'words in well-formed sentences'],
      rows: [
        ['demo target (trained)', String(trained.words), percent(trained.dictionaryShare), percent(trained.functionWordShare), percent(trained.sentenceShare)],
        ['random demo target', String(random.words), percent(random.dictionaryShare), percent(random.functionWordShare), percent(random.sentenceShare)]
      ]
    },
    measurements: [
      { name: `draft/target greedy agreement, teacher-forced (${agreement.agreed} of ${agreement.positions} positions)`, unit: '%', summary: one(agreement.rate * 100), target: { op: '>=', value: 65, of: 'p50' } },
      { name: 'target: dictionary words', unit: '%', summary: one(trained.dictionaryShare * 100), target: { op: '>=', value: 90, of: 'p50' } },
      { name: 'target: function words', unit: '%', summary: one(trained.functionWordShare * 100), target: { op: '>=', value: 25, of: 'p50' } },
      { name: 'target: words in well-formed sentences', unit: '%', summary: one(trained.sentenceShare * 100) },
      { name: 'random demo target: dictionary words', unit: '%', summary: one(random.dictionaryShare * 100) },
      { name: 'random demo target: function words', unit: '%', summary: one(random.functionWordShare * 100) },
      { name: 'random demo target: words in well-formed sentences', unit: '%', summary: one(random.sentenceShare * 100) }
    ]
  }
}
