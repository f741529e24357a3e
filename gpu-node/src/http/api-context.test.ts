import { expect, test } from '@playwright/test'
import { TUNNEL_CLIENT_HEADER, clientIdOf } from './api-context.ts'
import type { IncomingMessage } from 'node:http'

function request (headers: Record<string, string> = {}): IncomingMessage {
  return { socket: { remoteAddress: '127.0.0.1' }, headers } as unknown as IncomingMessage
}

test('a client is its address, unless the tunnel names it with the process\'s token', () => {
  expect(clientIdOf(request())).toBe('http:127.0.0.1')
  expect(clientIdOf(request({ [TUNNEL_CLIENT_HEADER]: 'secret gateway:relay:192.0.2.1' }), 'secret')).toBe('gateway:relay:192.0.2.1')
  // Anyone else's word is not taken: a wrong token, no token set, or no client after it.
  expect(clientIdOf(request({ [TUNNEL_CLIENT_HEADER]: 'guess gateway:relay:192.0.2.1' }), 'secret')).toBe('http:127.0.0.1')
  expect(clientIdOf(request({ [TUNNEL_CLIENT_HEADER]: 'secret gateway:relay:192.0.2.1' }))).toBe('http:127.0.0.1')
  expect(clientIdOf(request({ [TUNNEL_CLIENT_HEADER]: 'secret' }), 'secret')).toBe('http:127.0.0.1')
})
