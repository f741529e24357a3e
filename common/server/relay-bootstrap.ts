import { BOOTSTRAP_PATH, parseBootstrap } from '#protocol'
import type { Bootstrap } from '#protocol'

export interface FetchBootstrapOptions {
  signal?: AbortSignal
  /**
   * Deadline for fetching the bootstrap JSON.
   *
   * @default 5000
   */
  timeoutMs?: number
}

/**
 * A relay's bootstrap JSON (peer id, addresses, STUN/TURN servers, other relays), fetched from
 * its http(s) origin by a verifier or by another relay.
 *
 * @throws {MalformedMessageError} when the bootstrap JSON is malformed
 */
export async function fetchRelayBootstrap (origin: URL, options: FetchBootstrapOptions = {}): Promise<Bootstrap> {
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
