import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/**
 * Checks `Authorization: Bearer <key>` against the configured key in constant
 * time: both sides are hashed first, so neither the key's content nor its
 * length leaks through timing.
 */
export function hasValidApiKey (request: IncomingMessage, apiKey: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '')
  const offered = match?.[1] ?? ''
  return timingSafeEqual(digest(offered), digest(apiKey)) && offered !== ''
}

function digest (text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}
