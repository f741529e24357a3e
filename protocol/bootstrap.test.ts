import { expect, test } from '@playwright/test'
import { parseBootstrap, relayMultiaddrForOrigin } from './bootstrap.ts'

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
