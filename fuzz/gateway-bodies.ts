import { startGpuNode, startRelay, waitFor } from '../tests/support/processes.ts'
import type { ShoalProcess } from '../tests/support/processes.ts'
import { fuzzTarget } from './fuzz-target.ts'
import { REFUSED_STATUSES, checkHealthy, httpInputs, sendFuzzedRequest } from './http-requests.ts'
import type { HttpInput } from './http-requests.ts'

/** A long run starts its servers at low priority on a busy machine: a model load can take minutes. */
const SERVER_START_TIMEOUT_MS = 180_000

let mesh: { relay: ShoalProcess, verifier: ShoalProcess } | undefined

/**
 * The same fuzzed bodies as http-bodies, sent to a real relay's gateway
 * (`/v1/*`, `/api/*`), which reads each one itself (the model it names, for
 * routing; whether it is a streamed chat it can continue) before forwarding
 * it over the mesh to the one verifier behind it. Every answer must be a
 * success or a 4xx/429/503 with a JSON error, never another 5xx, never a
 * stream cut short; the relay and the verifier must both be healthy after.
 *
 * The relay runs without its per-address API limit (`--api-max-concurrent-per-ip 0`),
 * so that every input reaches the parsing and forwarding code instead of a 429.
 */
export const gatewayBodiesTarget = fuzzTarget<HttpInput>({
  name: 'gateway-bodies',
  reads: 'the same HTTP bodies sent to a real relay\'s gateway, which reads them (requested model, continuable chat) and forwards them over the mesh to a real gpu-node',
  inputs: httpInputs,
  read: async (input) => {
    if (mesh == null) {
      throw new Error('the relay is not running')
    }
    await sendFuzzedRequest(mesh.relay.url, input)
  },
  refusals: REFUSED_STATUSES.map((status) => `HTTP ${status}`),
  setUp: async () => {
    const relay = await startRelay({ extraArgs: ['--api-max-concurrent-per-ip', '0'], healthTimeoutMs: SERVER_START_TIMEOUT_MS })
    let verifier: ShoalProcess | undefined
    try {
      verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--threads', '1', '--gpu', 'off', '--client-max-tokens', '8'], healthTimeoutMs: SERVER_START_TIMEOUT_MS })
      // The gateway forwards once it has heard the verifier announce its model.
      await waitFor('the gateway to list the verifier\'s model', async () => {
        const response = await fetch(`${relay.url}/v1/models`)
        if (!response.ok) {
          return undefined
        }
        const { data } = await response.json() as { data?: unknown }
        return Array.isArray(data) && data.length > 0 ? true : undefined
      }, SERVER_START_TIMEOUT_MS)
    } catch (err) {
      await verifier?.stop()
      await relay.stop()
      throw err
    }
    mesh = { relay, verifier }
  },
  tearDown: async () => {
    const running = mesh
    mesh = undefined
    if (running == null) {
      return
    }
    try {
      await checkHealthy(running.relay.url, 'the relay')
      await checkHealthy(running.verifier.url, 'the verifier')
    } finally {
      await running.verifier.stop()
      await running.relay.stop()
    }
  }
})
