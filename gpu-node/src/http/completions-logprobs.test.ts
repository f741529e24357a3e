import { expect, test } from '@playwright/test'
import { legacyLogprobs, spelledLength } from './completions-logprobs.ts'

test('OpenAI\'s legacy shape: tokens, their logprobs, the alternatives with the chosen one, offsets from where the chunk starts', () => {
  const logprobs = legacyLogprobs([
    { text: 'Once', logprob: -0.5, top: [{ text: 'Once', logprob: -0.5 }, { text: 'The', logprob: -1.2 }] },
    { text: ' upon', logprob: -2, top: [{ text: ' there', logprob: -0.3 }] }
  ], 10)
  expect(logprobs).toEqual({
    tokens: ['Once', ' upon'],
    token_logprobs: [-0.5, -2],
    top_logprobs: [{ Once: -0.5, The: -1.2 }, { ' there': -0.3, ' upon': -2 }],
    text_offset: [10, 14]
  })
  expect(spelledLength(logprobs)).toBe(9)
  expect(legacyLogprobs([])).toEqual({ tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] })
})
