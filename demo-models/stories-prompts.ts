/**
 * Fixed prompts for checking the trained story models: the same lists are
 * used when the pair is built (demo-models/train/verify-gguf.ts) and by the
 * unit test (stories-pair.test.ts), so the README's figures and the test
 * measure the same thing.
 */
import type { ChatMessage } from '../gpu-node/src/verifier/types.ts'

const user = (content: string): ChatMessage[] => [{ role: 'user', content }]

/** Everyday requests whose greedy answers must read as English. */
export const EVERYDAY_PROMPTS: readonly ChatMessage[][] = [
  user('Tell me a story about a cat.'),
  user('What did Tom find in the garden?'),
  user('Hello! How are you?'),
  user('Can you tell me a story about a brave little dog?'),
  user('What is your favorite animal?')
]

/** Prompts over which the draft's greedy tokens are compared with the target's (teacher-forced). */
export const AGREEMENT_PROMPTS: readonly ChatMessage[][] = [
  ...EVERYDAY_PROMPTS,
  user('Tell me a bedtime story.'),
  user('Why was Lily sad?'),
  user('Write a short story about a dragon named Rocky.'),
  user('Tell me a story about sharing.'),
  user('Who helped Ben?'),
  [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'Tell me a story about a rabbit.' }],
  user('What is your name?')
]

/** Tokens of each answer that are generated (and, for agreement, compared). */
export const ANSWER_TOKENS = 96
