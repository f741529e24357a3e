import { multiaddr } from '@multiformats/multiaddr'
import { expect, test } from '@playwright/test'
import { parseBootstrap, relayMultiaddrForOrigin } from '#protocol'
import { publicWebSocketMultiaddr, relayBootstrap } from './addresses.ts'

const PEER_ID = '12D3KooWJoX8Na6nM7eBHB4QK4fzrph7axdRDfJAC2rMDHmvoL5K'

test('wildcard binds announce loopback; literals and names keep their family', () => {
  expect(publicWebSocketMultiaddr('0.0.0.0', 8080)).toBe('/ip4/127.0.0.1/tcp/8080/ws')
  expect(publicWebSocketMultiaddr('::', 8080)).toBe('/ip6/::1/tcp/8080/ws')
  expect(publicWebSocketMultiaddr('192.168.1.5', 80)).toBe('/ip4/192.168.1.5/tcp/80/ws')
  expect(publicWebSocketMultiaddr('relay.example.org', 443)).toBe('/dns/relay.example.org/tcp/443/ws')
  for (const host of ['0.0.0.0', '::', 'relay.example.org']) {
    expect(() => multiaddr(publicWebSocketMultiaddr(host, 1))).not.toThrow()
  }
})

test('bootstrap JSON parses with the protocol schema and agrees with the origin-derived address', () => {
  const bootstrap = parseBootstrap(JSON.parse(JSON.stringify(relayBootstrap(PEER_ID, [publicWebSocketMultiaddr('127.0.0.1', 8080)]))))
  expect(bootstrap).toEqual({
    relayPeerId: PEER_ID,
    multiaddrs: [`/ip4/127.0.0.1/tcp/8080/ws/p2p/${PEER_ID}`]
  })
  expect(relayMultiaddrForOrigin('http://127.0.0.1:8080', bootstrap)).toBe(bootstrap.multiaddrs[0])
})
