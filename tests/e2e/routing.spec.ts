import { expect, test } from '@playwright/test'
import { ask, lastAnswer, setAnswerSettings } from '../support/chat-page.ts'
import { e2eSession } from '../support/e2e-session.ts'
import { readMetrics } from '../support/metrics.ts'
import { twoVerifierMesh } from '../support/two-verifiers.ts'

/**
 * Routing by warm prefix, end to end: a relay, two idle verifiers on the
 * demo model, and Chromium. The verifier that answers a conversation keeps
 * it warm and announces its hash; the conversation's next turns go back to
 * it, which evaluates only each new turn (its metrics say how many prompt
 * tokens it did not evaluate again). Runs inside the private test network.
 */

const { processes, openProfile } = e2eSession()

test('three turns of one conversation land on the same verifier, which reuses its warm cache for the later two', async () => {
  test.setTimeout(180_000)
  const { verifiers, page } = await twoVerifierMesh(processes, openProfile, ['--threads', '1'])
  await setAnswerSettings(page, { temperature: 0, maxTokens: 48 })

  const answeredBy: string[] = []
  for (const question of ['Tell me a story about a bird.', 'What did the bird find?', 'How did the story end?']) {
    await ask(page, question)
    await expect(lastAnswer(page)).toHaveAttribute('data-status', 'complete', { timeout: 60_000 })
    answeredBy.push(await lastAnswer(page).getByTestId('answer-verifier').getAttribute('title') ?? '')
  }
  const first = answeredBy[0]
  expect(verifiers.map((verifier) => verifier.peerId)).toContain(first)
  expect(answeredBy).toEqual([first, first, first])

  const serving = verifiers.find((verifier) => verifier.peerId === first)
  const other = verifiers.find((verifier) => verifier.peerId !== first)
  if (serving === undefined || other === undefined) throw new Error('no serving verifier')
  const servingMetrics = await readMetrics(serving.process.url)
  const otherMetrics = await readMetrics(other.process.url)
  expect(servingMetrics.get('shoal_gpu_node_completions_total')).toBe(3)
  expect(otherMetrics.get('shoal_gpu_node_completions_total')).toBe(0)
  // Turns two and three skipped the conversation so far: well over the first question's few tokens each.
  expect(servingMetrics.get('shoal_gpu_node_warm_reused_tokens_total') ?? 0).toBeGreaterThan(60)
  expect(servingMetrics.get('shoal_gpu_node_warm_conversations')).toBe(1)
})
