import { multiaddr } from '@multiformats/multiaddr'
import { BOOTSTRAP_PATH, parseBootstrap, relayMultiaddrForOrigin } from '#protocol'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Bootstrap } from '#protocol'

/**
 * Where the relay is: its HTTP(S) origin, from which the bootstrap JSON gives
 * the peer id (and the address follows from the origin, as in the browser), or
 * a libp2p multiaddr naming the relay's peer id.
 */
export type RelayAddress =
  | { kind: 'origin', origin: URL }
  | { kind: 'multiaddr', multiaddr: Multiaddr }

/**
 * Parses `--relay`. Throws a plain Error whose message says what is wrong;
 * the option schema turns it into a ConfigError.
 */
export function parseRelayAddress (text: string): RelayAddress {
  const value = text.trim()
  if (/^https?:\/\//i.test(value)) {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      throw new Error('is not a valid http(s) URL')
    }
    if (url.hostname === '') {
      throw new Error('has no host')
    }
    return { kind: 'origin', origin: new URL(url.origin) }
  }
  if (value.startsWith('/')) {
    let address: Multiaddr
    try {
      address = multiaddr(value)
    } catch {
      throw new Error('is not a valid multiaddr')
    }
    // Naming the peer id lets noise check that we reached the relay and not whoever holds the address.
    if (!address.getComponents().some((component) => component.name === 'p2p')) {
      throw new Error('must end with /p2p/<relay peer id>')
    }
    return { kind: 'multiaddr', multiaddr: address }
  }
  throw new Error('must be an http(s) URL such as http://localhost:8080 or a multiaddr such as /ip4/127.0.0.1/tcp/8080/ws/p2p/<peer id>')
}

export function formatRelayAddress (relay: RelayAddress): string {
  return relay.kind === 'origin' ? relay.origin.origin : relay.multiaddr.toString()
}

export interface ResolveRelayOptions {
  signal?: AbortSignal
  /**
   * Deadline for fetching the bootstrap JSON.
   *
   * @default 5000
   */
  timeoutMs?: number
}

/**
 * The multiaddr to dial: as given, or built from the origin and the peer id
 * its bootstrap JSON names.
 *
 * @throws {MalformedMessageError} when the bootstrap JSON is malformed
 */
export async function resolveRelayMultiaddr (relay: RelayAddress, options: ResolveRelayOptions = {}): Promise<Multiaddr> {
  if (relay.kind === 'multiaddr') {
    return relay.multiaddr
  }
  return multiaddr(relayMultiaddrForOrigin(relay.origin.origin, await fetchRelayBootstrap(relay.origin, options)))
}

/**
 * The relay's bootstrap JSON (peer id, addresses, STUN/TURN servers).
 *
 * @throws {MalformedMessageError} when the bootstrap JSON is malformed
 */
export async function fetchRelayBootstrap (origin: URL, options: ResolveRelayOptions = {}): Promise<Bootstrap> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 5_000)
  const signal = options.signal == null ? timeout : AbortSignal.any([options.signal, timeout])
  const url = new URL(BOOTSTRAP_PATH, origin)
  let response: Response
  try {
    response = await fetch(url, { signal, headers: { Accept: 'application/json' } })
  } catch (err) {
    // fetch says only "fetch failed"; the cause holds ECONNREFUSED and the like.
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err
    throw new Error(`cannot fetch ${url.href}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause: err })
  }
  if (!response.ok) {
    throw new Error(`${url.href} answered HTTP ${response.status}`)
  }
  const text = await response.text()
  // Bootstrap JSON is a few hundred bytes; anything huge is not a relay.
  if (text.length > 16_384) {
    throw new Error(`${url.href} is not bootstrap JSON (${text.length} characters)`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new Error(`${url.href} is not JSON`)
  }
  return parseBootstrap(json)
}
