import { BOOTSTRAP_PATH, parseBootstrap, relayMultiaddrForOrigin } from '#protocol'

/** Deadline for fetching the relay's bootstrap JSON. */
const BOOTSTRAP_TIMEOUT_MS = 5_000

/**
 * Asks the relay that served this page (or `relayOrigin`) how to dial it and
 * returns the multiaddr of its WebSocket endpoint on that same origin.
 */
export async function fetchRelayAddress (relayOrigin: string, signal: AbortSignal): Promise<string> {
  const url = new URL(BOOTSTRAP_PATH, relayOrigin)
  const response = await fetch(url, {
    cache: 'no-store',
    signal: AbortSignal.any([signal, AbortSignal.timeout(BOOTSTRAP_TIMEOUT_MS)])
  })
  if (!response.ok) {
    throw new Error(`relay answered ${response.status} for ${url.pathname}`)
  }
  const bootstrap = parseBootstrap(await response.json())
  return relayMultiaddrForOrigin(relayOrigin, bootstrap)
}
