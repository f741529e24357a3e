import { multiaddr } from '@multiformats/multiaddr'
import { expect, test } from '@playwright/test'
import { connectionKind, preferredConnection } from './connection-kind.ts'

const relayed = { limits: { seconds: 120 }, remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/8080/ws/p2p/12D3KooWJ9ezSGwMLyYRVvPEhDAVsqgKVN4ScHvjKuR2YA1ay9Wb/p2p-circuit/p2p/12D3KooWJ9ezSGwMLyYRVvPEhDAVsqgKVN4ScHvjKuR2YA1ay9Wb'), status: 'open' as const }
const direct = { limits: undefined, remoteAddr: multiaddr('/webrtc/p2p/12D3KooWJ9ezSGwMLyYRVvPEhDAVsqgKVN4ScHvjKuR2YA1ay9Wb'), status: 'open' as const }
const webSocket = { limits: undefined, remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/8080/ws/p2p/12D3KooWJ9ezSGwMLyYRVvPEhDAVsqgKVN4ScHvjKuR2YA1ay9Wb'), status: 'open' as const }

test('connections are classified by limits and address', () => {
  expect(connectionKind(relayed)).toBe('relayed')
  expect(connectionKind(direct)).toBe('webrtc')
  expect(connectionKind(webSocket)).toBe('websocket')
})

test('the direct connection is preferred, and closed ones are ignored', () => {
  expect(preferredConnection([relayed, webSocket, direct])).toBe(direct)
  expect(preferredConnection([relayed, { ...direct, status: 'closed' as const }])).toBe(relayed)
  expect(preferredConnection([])).toBeUndefined()
})
