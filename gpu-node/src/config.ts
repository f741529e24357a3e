import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { resolve } from 'node:path'
import { z } from 'zod'
import { MAX_CHAT_MAX_TOKENS } from '#protocol'
import { hostSchema, integerSchema, parseOptions, portSchema } from '#server'
import { parseRelayAddress } from './relay-address.ts'
import { parsePassCostProfile } from './verifier/pass-cost-emulation.ts'
import type { RelayAddress } from './relay-address.ts'
import type { OptionSpec, ParsedOptions } from '#server'

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/**
 * llama.cpp threads unless told: one core is left for the mesh, the HTTP API
 * and whatever else runs beside us, and at most 4 (more rarely helps on CPU).
 * llama.cpp's threads spin while they wait for each other, so one descheduled
 * thread stalls every token: on a busy 2-core machine 2 threads ran the demo
 * model about 20x slower than 1.
 */
export function defaultThreads (): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1))
}

const IceServer = z.object({
  urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional()
})

export const GpuNodeOptions = z.object({
  relays: z.string().default('http://localhost:8080').transform((text, context): RelayAddress[] => {
    const parts = text.split(',').map((part) => part.trim()).filter((part) => part !== '')
    if (parts.length === 0) {
      context.addIssue({ code: 'custom', message: 'names no relay' })
      return z.NEVER
    }
    try {
      return parts.map((part) => parseRelayAddress(part))
    } catch (err) {
      context.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) })
      return z.NEVER
    }
  }),
  apiHost: hostSchema().default('127.0.0.1'),
  apiPort: portSchema().default(8081),
  keyFile: z.string().trim().min(1, 'must not be empty').optional()
    .transform((path) => path == null ? resolve(REPOSITORY_ROOT, '.shoal/gpu-node.key') : resolve(path)),
  ledger: z.string().trim().min(1, 'must not be empty').optional().transform((path) => path === undefined ? undefined : path === ':memory:' ? path : resolve(path)),
  trust: z.string().optional().transform((text, context): string[] => {
    const peers = (text ?? '').split(',').map((peer) => peer.trim()).filter((peer) => peer !== '')
    for (const peer of peers) {
      if (!/^[1-9A-HJ-NP-Za-km-z]{40,80}$/.test(peer)) {
        context.addIssue({ code: 'custom', message: `"${peer}" is not a peer id` })
        return z.NEVER
      }
    }
    return peers
  }),
  model: z.string().trim().min(1, 'must not be empty').optional(),
  embeddingModel: z.string().trim().min(1, 'must not be empty').optional(),
  modelName: z.string().trim().min(1, 'must not be empty').max(128, 'must be at most 128 characters').optional(),
  threads: integerSchema({ min: 1, max: 1024 }).default(defaultThreads()),
  gpu: z.enum(['auto', 'off'], { error: 'must be "auto" or "off"' }).default('auto'),
  capacity: integerSchema({ min: 1, max: 10_000 }).default(4),
  contextSize: integerSchema({ min: 64, max: 1_048_576 }).optional(),
  queueSize: integerSchema({ min: 0, max: 100_000 }).default(32),
  clientMaxConcurrent: integerSchema({ min: 1, max: 10_000 }).default(2),
  // No more than a chat request may ask for (protocol/limits.ts): one limit for the mesh and HTTP.
  clientMaxTokens: integerSchema({ min: 1, max: MAX_CHAT_MAX_TOKENS }).default(4096),
  streamInterval: integerSchema({ min: 0, max: 1_000 }).default(16),
  // Checked here when it names a profile or BASE,PER_TOKEN; a .json profile is read when the node starts.
  emulatePassCost: z.string().trim().min(1).optional().superRefine((value, context) => {
    if (value === undefined || value.endsWith('.json')) {
      return
    }
    try {
      parsePassCostProfile(value)
    } catch (err) {
      context.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) })
    }
  }),
  emulateLinkDelay: integerSchema({ min: 0, max: 10_000 }).default(0),
  apiKey: z.string().trim().min(8, 'must be at least 8 characters').max(512, 'must be at most 512 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').optional(),
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
  relays: { flag: 'relay', env: 'SHOAL_RELAY', description: 'The relay: its http(s) URL (bootstrap JSON is fetched from it) or a multiaddr ending in /p2p/<peer id>; several, comma-separated, for a mesh of several relays. The verifier holds reservations on two: the first two given, or the first and another relay its bootstrap JSON names.', defaultText: 'http://localhost:8080' },
  apiHost: { flag: 'api-host', env: 'SHOAL_API_HOST', description: 'Address the HTTP API binds to.' },
  apiPort: { flag: 'api-port', env: 'SHOAL_API_PORT', description: 'Port of the HTTP API (0 picks a free port).' },
  keyFile: { flag: 'key-file', env: 'SHOAL_GPU_NODE_KEY_FILE', description: 'libp2p identity key, created when missing; keeps the peer id across restarts.' },
  ledger: { flag: 'ledger', env: 'SHOAL_LEDGER', description: 'SQLite file of the receipts this verifier issued and counted (":memory:" keeps none).', defaultText: 'the key file\'s path with .ledger.sqlite for .key' },
  trust: { flag: 'trust', env: 'SHOAL_TRUST', description: 'Comma-separated peer ids of other verifiers whose drafted receipts count toward priority here.', defaultText: 'none' },
  model: { flag: 'model', env: 'SHOAL_MODEL', description: 'The model: a .gguf file, or a node-llama-cpp URI (hf:user/repo:quant, https://...) downloaded into ~/.node-llama-cpp/models.', defaultText: 'the built-in demo model' },
  embeddingModel: { flag: 'embedding-model', env: 'SHOAL_EMBEDDING_MODEL', description: 'The model /v1/embeddings, /api/embed and /api/embeddings answer with: a .gguf file or a node-llama-cpp URI, like --model; its name is the file name without .gguf.', defaultText: 'the served model' },
  modelName: { flag: 'model-name', env: 'SHOAL_MODEL_NAME', description: 'Model name announced to the mesh and used by the APIs.', defaultText: 'the file name without .gguf; shoal-demo for the demo model' },
  threads: { flag: 'threads', env: 'SHOAL_THREADS', description: 'CPU threads for llama.cpp (too many is far slower than too few on a busy machine).' },
  gpu: { flag: 'gpu', env: 'SHOAL_GPU', description: '"auto" runs on a GPU (CUDA, Vulkan, Metal) when one and its binaries are found, else the CPU; "off" is CPU only.' },
  capacity: { flag: 'capacity', env: 'SHOAL_CAPACITY', description: 'Chats generated at once (sequences of the shared context), announced to the mesh.' },
  contextSize: { flag: 'context-size', env: 'SHOAL_CONTEXT_SIZE', description: 'Tokens per chat (prompt and answer).', defaultText: "the model's, at most 4096" },
  queueSize: { flag: 'queue-size', env: 'SHOAL_QUEUE_SIZE', description: 'Chats that may wait for a free sequence; more are refused as busy.' },
  clientMaxConcurrent: { flag: 'client-max-concurrent', env: 'SHOAL_CLIENT_MAX_CONCURRENT', description: 'Chats one client may have running or queued.' },
  clientMaxTokens: { flag: 'client-max-tokens', env: 'SHOAL_CLIENT_MAX_TOKENS', description: 'Most tokens one request may ask for.' },
  streamInterval: { flag: 'stream-interval', env: 'SHOAL_STREAM_INTERVAL', description: 'Least milliseconds between two streamed text updates of an answer (about a display frame); text made in between goes in the next. 0: every token on its own.' },
  emulatePassCost: { flag: 'emulate-pass-cost', env: 'SHOAL_EMULATE_PASS_COST', description: 'EMULATION, for benchmarks: pad every forward pass to what a GPU would take, BASE + PER_TOKEN x (tokens in the pass - 1) ms: h100-8b, h100-70b, "BASE,PER_TOKEN" (e.g. 30,0.25) or a .json profile from scripts/gpu-pass-cost.ts. Health, metrics and receipts then say so.', defaultText: 'off' },
  emulateLinkDelay: { flag: 'emulate-link-delay', env: 'SHOAL_EMULATE_LINK_DELAY', description: 'EMULATION, for benchmarks: delay every draft-protocol message by half this round trip (ms) each way, in gpu-node\'s draft streams (a WAN where tc netem is missing). Health and the start line then say so. 0: off.' },
  apiKey: { flag: 'api-key', env: 'SHOAL_API_KEY', description: 'When set, /v1/* and /api/* require "Authorization: Bearer <key>" (prefer the variable: flags show in ps).', defaultText: 'none' },
  iceServers: { flag: 'ice-servers', env: 'SHOAL_ICE_SERVERS', description: 'JSON list of STUN/TURN servers for WebRTC, e.g. [{"urls":"stun:stun.example.org:3478"}].', defaultText: 'none' }
}

/** Where the receipt ledger lives: `--ledger`, else beside the key file (`gpu-node.key` → `gpu-node.ledger.sqlite`). */
export function ledgerPath (options: Pick<GpuNodeOptions, 'ledger' | 'keyFile'>): string {
  return options.ledger ?? `${options.keyFile.replace(/\.key$/, '')}.ledger.sqlite`
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
