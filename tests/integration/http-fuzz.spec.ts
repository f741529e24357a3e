/**
 * The short fuzzing run of the HTTP APIs inside `npm test`: 150 fuzzed
 * bodies (mutations of valid OpenAI and Ollama requests, with odd content
 * types) to a real gpu-node, and 150 to a real relay's gateway with a real
 * gpu-node behind it. Each is answered with success or a 4xx/429/503 JSON
 * error, never another 5xx or a broken stream, and every server is healthy
 * afterwards. `npm run fuzz -- --target http-bodies --target gateway-bodies`
 * runs them long.
 */
import { expect, test } from '@playwright/test'
import { gatewayBodiesTarget } from '../../fuzz/gateway-bodies.ts'
import { httpBodiesTarget } from '../../fuzz/http-bodies.ts'
import { runFuzzTarget } from '../../fuzz/run-target.ts'

const SEED = 20_261_202
const SHORT_RUNS = 150

test('fuzzed HTTP bodies get an answer or a named 4xx, never a 5xx, and the node stays healthy', async () => {
  test.setTimeout(180_000)
  const result = await runFuzzTarget(httpBodiesTarget, { runs: SHORT_RUNS, seed: SEED })
  expect(result.failure, `${result.failure?.problem ?? ''}\ninput: ${result.failure?.input ?? ''}`).toBeUndefined()
  expect(result.runs).toBe(SHORT_RUNS)
  expect(result.accepted).toBeGreaterThan(0)
  expect(result.refused['HTTP 400']).toBeGreaterThan(0)
})

test('fuzzed HTTP bodies through the relay\'s gateway get an answer or a named 4xx, never a 5xx, and relay and verifier stay healthy', async () => {
  test.setTimeout(240_000)
  const result = await runFuzzTarget(gatewayBodiesTarget, { runs: SHORT_RUNS, seed: SEED })
  expect(result.failure, `${result.failure?.problem ?? ''}\ninput: ${result.failure?.input ?? ''}`).toBeUndefined()
  expect(result.runs).toBe(SHORT_RUNS)
  // Bodies reached the verifier and came back, both answers and its refusals: the relay parsed and forwarded them, not a limit of its own.
  expect(result.accepted).toBeGreaterThan(0)
  expect(result.refused['HTTP 400']).toBeGreaterThan(0)
  expect(result.refused['HTTP 429'] ?? 0).toBe(0)
  expect(result.refused['HTTP 503'] ?? 0).toBe(0)
})
