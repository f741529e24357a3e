import { expect, test } from '@playwright/test'
import { MAX_ICE_SERVERS, MAX_PEER_RELAYS, parseBootstrap, relayMultiaddrForOrigin } from './bootstrap.ts'

const bootstrap = { relayPeerId: '12D3KooWRelay', multiaddrs: ['/ip4/127.0.0.1/tcp/8080/ws/p2p/12D3KooWRelay'] }

test('the relay multiaddr follows the page origin', () => {
  expect(relayMultiaddrForOrigin('http://127.0.0.1:8080', bootstrap)).toBe('/ip4/127.0.0.1/tcp/8080/ws/p2p/12D3KooWRelay')
  expect(relayMultiaddrForOrigin('http://localhost:8080', bootstrap)).toBe('/dns/localhost/tcp/8080/ws/p2p/12D3KooWRelay')
  expect(relayMultiaddrForOrigin('https://shoal.example', bootstrap)).toBe('/dns/shoal.example/tcp/443/tls/ws/p2p/12D3KooWRelay')
  expect(relayMultiaddrForOrigin('http://[::1]:9000', bootstrap)).toBe('/ip6/::1/tcp/9000/ws/p2p/12D3KooWRelay')
})

test('malformed bootstrap JSON gets a clear error', () => {
  expect(parseBootstrap(bootstrap)).toEqual(bootstrap)
  expect(() => parseBootstrap({ relayPeerId: '' })).toThrow(expect.objectContaining({ name: 'MalformedMessageError', message: expect.stringContaining('relayPeerId') }))
  expect(() => parseBootstrap('nope')).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
})

test('ICE servers in the bootstrap are bounded: stun:/turn: URLs, at most MAX_ICE_SERVERS, short credentials', () => {
  const turn = { urls: ['turn:198.18.0.3:3478'], username: '1700003600:peer', credential: 'OPKomWnjd3qkggTpIWCIrhGNRqg=' }
  expect(parseBootstrap({ ...bootstrap, iceServers: [{ urls: 'stun:198.18.0.3:3478' }, turn], iceServersTtlSeconds: 3600 }).iceServers).toHaveLength(2)
  for (const bad of [
    { iceServers: [{ urls: 'http://turn.example' }] },
    { iceServers: [{ urls: [] }] },
    { iceServers: Array.from({ length: MAX_ICE_SERVERS + 1 }, () => turn) },
    { iceServers: [{ ...turn, credential: 'x'.repeat(257) }] },
    { iceServers: [{ urls: Array.from({ length: 5 }, () => 'stun:a:1') }] },
    { iceServers: [turn], iceServersTtlSeconds: 0 }
  ]) {
    expect(() => parseBootstrap({ ...bootstrap, ...bad }), JSON.stringify(bad).slice(0, 80)).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
  }
})

test('the other relays a bootstrap names are bare http(s) origins, at most MAX_PEER_RELAYS', () => {
  const relays = ['https://relay-2.example.org', 'http://127.0.0.1:8090']
  expect(parseBootstrap({ ...bootstrap, relays }).relays).toEqual(relays)
  for (const bad of [
    ['ws://relay.example.org'],
    ['https://relay.example.org/app'],
    ['https://user:secret@relay.example.org'],
    ['not a url'],
    Array.from({ length: MAX_PEER_RELAYS + 1 }, (_, index) => `https://relay-${index}.example.org`)
  ]) {
    expect(() => parseBootstrap({ ...bootstrap, relays: bad }), bad[0]).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
  }
})
