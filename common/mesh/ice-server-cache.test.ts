import { expect, test } from '@playwright/test'
import { IceServerCache } from './ice-server-cache.ts'
import type { Bootstrap } from '#protocol'

function bootstrapWith (username: string, ttlSeconds: number): Bootstrap {
  return { relayPeerId: 'r', multiaddrs: [], iceServers: [{ urls: 'turn:t:3478', username, credential: 'c' }], iceServersTtlSeconds: ttlSeconds }
}

test('credentials are refetched only when about to expire, and kept when the relay is unreachable', async () => {
  let now = 0
  let fetches = 0
  let reachable = true
  const cache = new IceServerCache({
    now: () => now,
    fetchBootstrap: async () => {
      fetches++
      if (!reachable) {
        throw new Error('unreachable')
      }
      return bootstrapWith(`u${fetches}`, 600)
    }
  })
  // Nothing known yet: the first peer connection fetches.
  expect((await cache.rtcConfiguration()).iceServers).toEqual([{ urls: 'turn:t:3478', username: 'u1', credential: 'c' }])
  now = 500_000
  await cache.rtcConfiguration()
  expect(fetches).toBe(1)
  now = 550_000 // within the refresh margin of the 600 s TTL
  expect((await cache.rtcConfiguration()).iceServers?.[0]?.username).toBe('u2')
  now = 1_200_000
  reachable = false
  expect((await cache.rtcConfiguration()).iceServers?.[0]?.username).toBe('u2')
  expect(fetches).toBe(3)
})

test('fixed servers win and the relay is never asked; update() takes a bootstrap fetched elsewhere', async () => {
  const fixed = new IceServerCache({ fixed: [{ urls: 'stun:s:3478' }], fetchBootstrap: async () => { throw new Error('must not fetch') } })
  expect((await fixed.rtcConfiguration()).iceServers).toEqual([{ urls: 'stun:s:3478' }])
  const cache = new IceServerCache({ now: () => 0, fetchBootstrap: async () => { throw new Error('must not fetch') } })
  cache.update(bootstrapWith('given', 3600))
  expect(cache.servers[0]?.username).toBe('given')
  expect((await cache.rtcConfiguration()).iceServers?.[0]?.username).toBe('given')
})
