import { createHmac, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { ConfigError } from '#server'
import type { Bootstrap, IceServer } from '#protocol'

/**
 * Short-lived TURN credentials, minted per request from a secret shared with
 * coturn (`use-auth-secret` + `static-auth-secret`): the "TURN REST API"
 * scheme. The username is `<expiry unix seconds>:<id>` and the credential is
 * base64(HMAC-SHA1(secret, username)); coturn recomputes the HMAC and refuses
 * expired usernames, so the relay and coturn never talk to each other and a
 * page never sees a password that outlives its TTL.
 *
 * @example
 * ```ts
 * const turn = new TurnCredentials({ urls: ['turn:turn.example.org:3478'], secret, ttlSeconds: 3600 })
 * const { iceServers } = turn.mint()
 * ```
 */
export interface TurnCredentialsInit {
  /** `stun:` and `turn:`/`turns:` URLs; only `turn(s):` entries get credentials. */
  urls: readonly string[]
  /** coturn's `static-auth-secret`. Undefined: TURN URLs are left out (coturn would refuse them unauthenticated). */
  secret?: string
  /**
   * How long minted credentials stay valid.
   *
   * @default 3600
   */
  ttlSeconds?: number
  /** Clock in milliseconds, for tests. @default Date.now */
  now?: () => number
}

/** The username/credential pair for one request, in coturn's REST scheme. */
export function turnRestCredential (secret: string, expiresAtSeconds: number, id: string): { username: string, credential: string } {
  const username = `${expiresAtSeconds}:${id}`
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') }
}

export class TurnCredentials {
  readonly #stunUrls: string[]
  readonly #turnUrls: string[]
  readonly #secret: string | undefined
  readonly #now: () => number
  readonly ttlSeconds: number

  constructor (init: TurnCredentialsInit) {
    this.#stunUrls = init.urls.filter((url) => /^stuns?:/.test(url))
    this.#turnUrls = init.urls.filter((url) => /^turns?:/.test(url))
    this.#secret = init.secret
    this.#now = init.now ?? Date.now
    this.ttlSeconds = init.ttlSeconds ?? 3600
  }

  /**
   * ICE servers for one peer: the STUN URLs as they are, and the TURN URLs
   * with a credential that expires in `ttlSeconds`. `id` names the peer in
   * coturn's logs; a random one is used when the peer did not say.
   */
  mint (id?: string): { iceServers: IceServer[], ttlSeconds: number } {
    const iceServers: IceServer[] = []
    if (this.#stunUrls.length > 0) {
      iceServers.push({ urls: this.#stunUrls })
    }
    if (this.#turnUrls.length > 0 && this.#secret != null) {
      const expiresAt = Math.floor(this.#now() / 1000) + this.ttlSeconds
      iceServers.push({ urls: this.#turnUrls, ...turnRestCredential(this.#secret, expiresAt, id ?? randomBytes(9).toString('base64url')) })
    }
    return { iceServers, ttlSeconds: this.ttlSeconds }
  }

  /** `bootstrap` with freshly minted ICE servers, or as it is when there are none to hand out. */
  withIceServers (bootstrap: Bootstrap, id?: string): Bootstrap {
    const { iceServers, ttlSeconds } = this.mint(id)
    return iceServers.length === 0 ? bootstrap : { ...bootstrap, iceServers, iceServersTtlSeconds: ttlSeconds }
  }
}

/**
 * Splits `--turn-url` (comma-separated) and checks each is a stun:/turn: URL.
 * Throws a plain Error whose message says what is wrong; the option schema
 * turns it into a ConfigError.
 */
export function parseTurnUrls (text: string | undefined): string[] {
  const urls = (text ?? '').split(',').map((url) => url.trim()).filter((url) => url !== '')
  for (const url of urls) {
    if (!/^(stun|stuns|turn|turns):[^\s/@]+$/.test(url)) {
      throw new Error(`"${url}" must be stun:host:port or turn:host:port (turns: for TLS, ?transport=tcp allowed)`)
    }
  }
  if (urls.length > 4) {
    throw new Error('at most 4 URLs')
  }
  return urls
}

/**
 * The shared secret: the file's first line (`--turn-secret-file`), else
 * SHOAL_TURN_SECRET. Not a flag of its own, so it never shows in `ps`.
 *
 * @throws {ConfigError} when TURN URLs are given without a secret, or the file cannot be read
 */
export async function loadTurnSecret (file: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): Promise<string | undefined> {
  if (file != null) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      throw new ConfigError(`cannot read --turn-secret-file ${file}: ${err instanceof Error ? err.message : String(err)}`)
    }
    const secret = text.split('\n')[0]?.trim() ?? ''
    if (secret === '') {
      throw new ConfigError(`--turn-secret-file ${file} is empty`)
    }
    return secret
  }
  const secret = env.SHOAL_TURN_SECRET?.trim()
  return secret == null || secret === '' ? undefined : secret
}

/**
 * The relay's TURN credential minter from its options, or undefined when no
 * `--turn-url` is given.
 *
 * @throws {ConfigError} when a turn: URL is given without a secret
 */
export async function createTurnCredentials (options: { turnUrls: readonly string[], turnSecretFile?: string, turnTtl: number }, env?: Readonly<Record<string, string | undefined>>): Promise<TurnCredentials | undefined> {
  if (options.turnUrls.length === 0) {
    return undefined
  }
  const secret = await loadTurnSecret(options.turnSecretFile, env)
  if (secret == null && options.turnUrls.some((url) => /^turns?:/.test(url))) {
    throw new ConfigError('--turn-url names a TURN server but no secret is set: give --turn-secret-file or SHOAL_TURN_SECRET (coturn\'s static-auth-secret)')
  }
  return new TurnCredentials({ urls: options.turnUrls, secret, ttlSeconds: options.turnTtl })
}
