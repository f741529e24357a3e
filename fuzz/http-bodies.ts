import { freePort, startGpuNode, waitFor } from '../tests/support/processes.ts'
import type { ShoalProcess } from '../tests/support/processes.ts'
import { fuzzTarget } from './fuzz-target.ts'
import { REFUSED_STATUSES, checkHealthy, httpInputs, sendFuzzedRequest } from './http-requests.ts'
import type { HttpInput } from './http-requests.ts'

/** A long run starts its servers at low priority on a busy machine: a model load can take minutes. */
const SERVER_START_TIMEOUT_MS = 180_000

let node: ShoalProcess | undefined

/**
 * Fuzzed JSON bodies (and labels) for every route that reads a body, sent to
 * a real gpu-node with a small generated model. Every answer must be a
 * success or a 4xx/503 with a JSON error naming what was wrong, never a 5xx,
 * and the node must still answer its health check afterwards. Answers are
 * capped at 8 tokens so valid inputs stay quick.
 */
export const httpBodiesTarget = fuzzTarget<HttpInput>({
  name: 'http-bodies',
  reads: 'HTTP bodies of /v1/chat/completions, /v1/completions, /v1/embeddings, /api/chat, /api/generate, /api/embed, /api/embeddings and /api/show on a real gpu-node',
  inputs: httpInputs,
  read: async (input) => {
    if (node == null) {
      throw new Error('the gpu-node is not running')
    }
    await sendFuzzedRequest(node.url, input)
  },
  refusals: REFUSED_STATUSES.map((status) => `HTTP ${status}`),
  setUp: async () => {
    // No relay listens here: the node's own port is fuzzed, and its mesh side keeps retrying quietly.
    const relayUrl = `http://127.0.0.1:${await freePort()}`
    node = await startGpuNode({ relayUrl, extraArgs: ['--threads', '1', '--gpu', 'off', '--client-max-tokens', '8'], healthTimeoutMs: SERVER_START_TIMEOUT_MS })
    const url = node.url
    await waitFor('the model to load', async () => (await fetch(`${url}/v1/models`)).ok ? true : undefined, SERVER_START_TIMEOUT_MS)
  },
  tearDown: async () => {
    const running = node
    node = undefined
    if (running == null) {
      return
    }
    try {
      await checkHealthy(running.url, 'the gpu-node')
    } finally {
      await running.stop()
    }
  }
})
