import { BOOTSTRAP_PATH, parseBootstrap, relayMultiaddrForOrigin } from '#protocol'
import type { Bootstrap } from '#protocol'

/** Deadline for fetching the relay's bootstrap JSON. */
const BOOTSTRAP_TIMEOUT_MS = 5_000

/** Fetches the bootstrap JSON of the relay that served this page (or `relayOrigin`). */
export async function fetchRelayBootstrap (relayOrigin: string, signal: AbortSignal): Promise<Bootstrap> {
  const url = new URL(BOOTSTRAP_PATH, relayOrigin)
  const response = await fetch(url, {
    cache: 'no-store',
    signal: AbortSignal.any([signal, AbortSignal.timeout(BOOTSTRAP_TIMEOUT_MS)])
  })
  if (!response.ok) {
    throw new Error(`relay answered ${response.status} for ${url.pathname}`)
  }
  return parseBootstrap(await response.json())
}

/**
 * Asks the relay that served this page (or `relayOrigin`) how to dial it and
 * returns the multiaddr of its WebSocket endpoint on that same origin, with
 * the bootstrap it came from (which also carries the STUN/TURN servers).
 */
export async function fetchRelayAddress (relayOrigin: string, signal: AbortSignal): Promise<{ address: string, bootstrap: Bootstrap }> {
  const bootstrap = await fetchRelayBootstrap(relayOrigin, signal)
  return { address: relayMultiaddrForOrigin(relayOrigin, bootstrap), bootstrap }
}
