import { fileURLToPath } from 'node:url'
import { resolve } from 'node:path'
import { z } from 'zod'
import { hostSchema, integerSchema, parseOptions, portSchema } from '../../src/lib/server/index.ts'
import { parseRelayAddress } from './relay-address.ts'
import type { RelayAddress } from './relay-address.ts'
import type { OptionSpec, ParsedOptions } from '../../src/lib/server/index.ts'

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url))

const IceServer = z.object({
  urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional()
})

export const GpuNodeOptions = z.object({
  relay: z.string().default('http://localhost:8080').transform((text, context): RelayAddress => {
    try {
      return parseRelayAddress(text)
    } catch (err) {
      context.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) })
      return z.NEVER
    }
  }),
  apiHost: hostSchema().default('127.0.0.1'),
  apiPort: portSchema().default(8081),
  keyFile: z.string().trim().min(1, 'must not be empty').optional()
    .transform((path) => path == null ? resolve(REPOSITORY_ROOT, '.shoal/gpu-node.key') : resolve(path)),
  modelName: z.string().trim().min(1, 'must not be empty').max(128, 'must be at most 128 characters').default('shoal-demo'),
  capacity: integerSchema({ min: 1, max: 10_000 }).default(4),
  iceServers: z.string().optional().transform((text, context): RTCIceServer[] => {
    if (text == null) {
      // No STUN by default: local and test meshes must not reach out to public servers.
      return []
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      context.addIssue({ code: 'custom', message: 'must be a JSON array of RTCIceServer objects' })
      return z.NEVER
    }
    const parsed = z.array(IceServer).max(16).safeParse(json)
    if (!parsed.success) {
      context.addIssue({ code: 'custom', message: `must be a JSON array of RTCIceServer objects (${z.prettifyError(parsed.error)})` })
      return z.NEVER
    }
    return parsed.data
  })
})
export type GpuNodeOptions = z.output<typeof GpuNodeOptions>

const options: Record<keyof z.input<typeof GpuNodeOptions>, OptionSpec> = {
  relay: { flag: 'relay', env: 'SHOAL_RELAY', description: 'The relay: its http(s) URL (bootstrap JSON is fetched from it) or a multiaddr ending in /p2p/<peer id>.', defaultText: 'http://localhost:8080' },
  apiHost: { flag: 'api-host', env: 'SHOAL_API_HOST', description: 'Address the HTTP API binds to.' },
  apiPort: { flag: 'api-port', env: 'SHOAL_API_PORT', description: 'Port of the HTTP API (0 picks a free port).' },
  keyFile: { flag: 'key-file', env: 'SHOAL_GPU_NODE_KEY_FILE', description: 'libp2p identity key, created when missing; keeps the peer id across restarts.' },
  modelName: { flag: 'model-name', env: 'SHOAL_MODEL_NAME', description: 'Model name announced to the mesh.' },
  capacity: { flag: 'capacity', env: 'SHOAL_CAPACITY', description: 'Chats served at once, announced to the mesh.' },
  iceServers: { flag: 'ice-servers', env: 'SHOAL_ICE_SERVERS', description: 'JSON list of STUN/TURN servers for WebRTC, e.g. [{"urls":"stun:stun.example.org:3478"}].', defaultText: 'none' }
}

/**
 * Reads gpu-node's options from argv and env.
 *
 * @throws {ConfigError} on invalid or unknown options
 */
export function parseGpuNodeOptions (argv?: readonly string[], env?: Readonly<Record<string, string | undefined>>): ParsedOptions<GpuNodeOptions> {
  return parseOptions({
    program: 'shoal-gpu-node',
    summary: 'a Shoal verifier: joins the mesh through a relay and serves models over libp2p and HTTP.',
    options,
    schema: GpuNodeOptions,
    argv,
    env
  })
}
