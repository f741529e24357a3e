/**
 * The short fuzzing run of gpu-node's HTTP API inside `npm test`: 150 fuzzed
 * bodies (mutations of valid OpenAI and Ollama requests, with odd content
 * types) to a real gpu-node, each answered with success or a 4xx/503 JSON
 * error, never a 5xx, and the node healthy afterwards. `npm run fuzz -- --target
 * http-bodies` runs it long.
 */
import { expect, test } from '@playwright/test'
import { httpBodiesTarget } from '../../fuzz/http-bodies.ts'
import { runFuzzTarget } from '../../fuzz/run-target.ts'

const SEED = 20_261_202

test('fuzzed HTTP bodies get an answer or a named 4xx, never a 5xx, and the node stays healthy', async () => {
  test.setTimeout(180_000)
  const result = await runFuzzTarget(httpBodiesTarget, { runs: 150, seed: SEED })
  expect(result.failure, `${result.failure?.problem ?? ''}\ninput: ${result.failure?.input ?? ''}`).toBeUndefined()
  expect(result.runs).toBe(150)
  expect(result.accepted).toBeGreaterThan(0)
  expect(result.refused['HTTP 400']).toBeGreaterThan(0)
})
