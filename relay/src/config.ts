import { fileURLToPath } from 'node:url'
import { resolve } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { z } from 'zod'
import { hostSchema, integerSchema, parseOptions, portSchema } from '#server'
import type { OptionSpec, ParsedOptions } from '#server'
import { MAX_PEER_RELAYS, RelayOrigin } from '#protocol'
import { parseTurnUrls } from './turn-credentials.ts'

/** Defaults that name files are relative to the repository, so `npm run relay` behaves the same from any folder. */
const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** A path given by the operator is relative to their working directory, like any CLI's. */
const pathSchema = (fallback: string): z.ZodType<string, string | undefined> => z.string()
  .trim()
  .min(1, 'must not be empty')
  .optional()
  .transform((path) => path == null ? resolve(REPOSITORY_ROOT, fallback) : resolve(path))

/** An http(s) base URL, kept without a trailing slash so paths append cleanly. */
const baseUrlSchema = z.string().trim().optional().transform((text, context): string | undefined => {
  if (text == null || text === '') {
    return undefined
  }
  if (!/^https?:\/\/[^/\s]+/i.test(text) || !URL.canParse(text)) {
    context.addIssue({ code: 'custom', message: 'must be an http(s) URL' })
    return z.NEVER
  }
  return text.replace(/\/+$/, '')
})

/** Comma-separated libp2p peer ids, each checked, without repeats. */
const peerIdListSchema = z.string().optional().transform((text, context): string[] => {
  const ids = (text ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')
  const bad = ids.find((id) => { try { peerIdFromString(id); return false } catch { return true } })
  if (bad !== undefined) {
    context.addIssue({ code: 'custom', message: `${bad} is not a libp2p peer id (a verifier prints its own at start, and /health shows it)` })
    return z.NEVER
  }
  return [...new Set(ids)]
})

export const RelayOptions = z.object({
  // Loopback unless asked: a relay on a laptop should not serve the whole café network by accident.
  host: hostSchema().default('127.0.0.1'),
  port: portSchema().default(8080),
  appDir: pathSchema('build'),
  keyFile: pathSchema('.shoal/relay.key'),
  modelDir: pathSchema('.cache/models'),
  maxReservations: integerSchema({ min: 1, max: 1_000_000 }).default(1024),
  maxConnections: integerSchema({ min: 1, max: 1_000_000 }).default(4096),
  maxConnectionsPerIp: integerSchema({ min: 0, max: 1_000_000 }).default(256),
  apiUrl: baseUrlSchema,
  peerRelays: z.string().optional().transform((text, context): string[] => {
    const origins = (text ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '').map((part) => part.replace(/\/+$/, ''))
    const bad = origins.find((origin) => !RelayOrigin.safeParse(origin).success)
    if (bad !== undefined) {
      context.addIssue({ code: 'custom', message: `${bad} must be an http(s) origin such as https://relay-2.example.org` })
      return z.NEVER
    }
    if (origins.length > MAX_PEER_RELAYS) {
      context.addIssue({ code: 'custom', message: `names ${origins.length} relays; at most ${MAX_PEER_RELAYS}` })
      return z.NEVER
    }
    return [...new Set(origins)]
  }),
  apiMaxConcurrentPerIp: integerSchema({ min: 0, max: 1_000_000 }).default(8),
  turnUrls: z.string().optional().transform((text, context): string[] => {
    try {
      return parseTurnUrls(text)
    } catch (err) {
      context.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) })
      return z.NEVER
    }
  }),
  turnSecretFile: z.string().trim().min(1, 'must not be empty').optional().transform((path) => path == null ? undefined : resolve(path)),
  turnTtl: integerSchema({ min: 60, max: 7 * 24 * 3600 }).default(3600),
  unlimitedCircuitsFor: peerIdListSchema,
  tlsCert: z.string().trim().min(1, 'must not be empty').optional().transform((path) => path == null ? undefined : resolve(path)),
  tlsKey: z.string().trim().min(1, 'must not be empty').optional().transform((path) => path == null ? undefined : resolve(path))
}).refine((options) => (options.tlsCert == null) === (options.tlsKey == null), { message: '--tls-cert and --tls-key go together', path: ['tlsCert'] })
export type RelayOptions = z.output<typeof RelayOptions>

const options: Record<keyof z.input<typeof RelayOptions>, OptionSpec> = {
  host: { flag: 'host', env: 'SHOAL_RELAY_HOST', description: 'Address the HTTP server binds to; 0.0.0.0 or :: makes the app reachable from your network.' },
  port: { flag: 'port', env: 'SHOAL_RELAY_PORT', description: 'The one public port: app, /health, /metrics, bootstrap JSON and libp2p WebSockets (0 picks a free port).' },
  appDir: { flag: 'app-dir', env: 'SHOAL_APP_DIR', description: 'Folder of the built PWA (`npm run build`).' },
  modelDir: { flag: 'model-dir', env: 'SHOAL_MODEL_CACHE', description: 'Folder of GGUF models served read-only at /models/<file>.gguf; the demo pair committed in demo-models/ is served too where the folder lacks it.' },
  keyFile: { flag: 'key-file', env: 'SHOAL_RELAY_KEY_FILE', description: 'libp2p identity key, created when missing; keeps the peer id across restarts.' },
  maxReservations: { flag: 'max-reservations', env: 'SHOAL_RELAY_MAX_RESERVATIONS', description: 'Most circuit-relay reservations held at once (one per listening peer).' },
  maxConnections: { flag: 'max-connections', env: 'SHOAL_RELAY_MAX_CONNECTIONS', description: 'Most libp2p connections before the relay prunes.' },
  maxConnectionsPerIp: { flag: 'max-connections-per-ip', env: 'SHOAL_RELAY_MAX_CONNECTIONS_PER_IP', description: 'Most sockets (HTTP and WebSocket) one IP address may hold at once; more are closed as they open (0: no limit; loopback, where a TLS proxy on this host connects from, is never limited).' },
  peerRelays: { flag: 'peer-relays', env: 'SHOAL_PEER_RELAYS', description: 'Comma-separated http(s) origins of the other relays of this mesh: this relay links to them so gossip crosses relays, and names them in its bootstrap JSON so pages and verifiers hold a second reservation there.', defaultText: 'none' },
  apiUrl: { flag: 'api-url', env: 'SHOAL_RELAY_API_URL', description: 'A verifier\'s own HTTP API (e.g. http://localhost:8081), named in the 503 the relay\'s gateway answers when no verifier of the mesh can take a /v1/* or /api/* request.', defaultText: 'none' },
  apiMaxConcurrentPerIp: { flag: 'api-max-concurrent-per-ip', env: 'SHOAL_RELAY_API_MAX_CONCURRENT_PER_IP', description: 'Most /v1/* and /api/* requests one client address may have in flight through the relay; more get 429 with Retry-After (0: no limit).' },
  turnUrls: { flag: 'turn-url', env: 'SHOAL_TURN_URL', description: 'Comma-separated STUN/TURN URLs handed to pages and verifiers in the bootstrap JSON, e.g. turn:turn.example.org:3478,stun:turn.example.org:3478.', defaultText: 'none' },
  turnSecretFile: { flag: 'turn-secret-file', env: 'SHOAL_TURN_SECRET_FILE', description: 'File holding coturn\'s static-auth-secret, from which short-lived TURN credentials are minted per request (or set SHOAL_TURN_SECRET).', defaultText: 'none' },
  turnTtl: { flag: 'turn-ttl', env: 'SHOAL_TURN_TTL', description: 'Seconds a minted TURN credential stays valid.' },
  tlsCert: { flag: 'tls-cert', env: 'SHOAL_TLS_CERT', description: 'PEM certificate (chain): the port then serves https and wss; SIGHUP reloads it and the key.', defaultText: 'none (plain http; or put a TLS proxy in front)' },
  unlimitedCircuitsFor: { flag: 'unlimited-circuits-for', env: 'SHOAL_RELAY_UNLIMITED_CIRCUITS_FOR', description: 'Comma-separated peer ids of verifiers you trust: circuits to them are not cut at circuit-relay\'s 128 KiB / 2 minute limits, so a page that cannot reach one over WebRTC still gets whole answers through the relay.', defaultText: 'none' },
  tlsKey: { flag: 'tls-key', env: 'SHOAL_TLS_KEY', description: 'PEM private key of --tls-cert.', defaultText: 'none' }
}

/**
 * Reads the relay's options from argv and env.
 *
 * @throws {ConfigError} on invalid or unknown options
 */
export function parseRelayOptions (argv?: readonly string[], env?: Readonly<Record<string, string | undefined>>): ParsedOptions<RelayOptions> {
  return parseOptions({
    program: 'shoal-relay',
    summary: 'serves the Shoal app and relays libp2p connections between browsers and verifiers.',
    options,
    schema: RelayOptions,
    argv,
    env
  })
}
