import { expect, test } from '@playwright/test'
import { forNodeDatachannel, verifierRtcConfiguration } from './relay-ice-servers.ts'
import { parseRelayAddress } from './relay-address.ts'

test('TURN usernames and credentials are percent-encoded for node-datachannel, which splits its server URL at ":"', () => {
  expect(forNodeDatachannel({ urls: 'turn:t:3478', username: '1700003600:peer-a', credential: 'a+b/c=' }))
    .toEqual({ urls: 'turn:t:3478', username: '1700003600%3Apeer-a', credential: 'a%2Bb%2Fc%3D' })
  expect(forNodeDatachannel({ urls: 'stun:t:3478' })).toEqual({ urls: 'stun:t:3478' })
})

test('--ice-servers wins; a multiaddr relay without them means host candidates only, never a fetch', async () => {
  const relay = parseRelayAddress('/ip4/127.0.0.1/tcp/1/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN')
  expect(await verifierRtcConfiguration([relay], [{ urls: 'turn:t:3478', username: 'u:1', credential: 'c' }])()).toEqual({ iceServers: [{ urls: 'turn:t:3478', username: 'u%3A1', credential: 'c' }] })
  expect(await verifierRtcConfiguration([relay], [])()).toEqual({ iceServers: [] })
})
