import { expect, test } from '@playwright/test'
import { PeerRole } from '#protocol'
import { pickVerifier } from '#mesh-common'
import type { VerifierCandidate } from '#mesh-common'
import { InFlightCounts } from './in-flight-counts.ts'

function idleVerifier (peerId: string): VerifierCandidate {
  return { peerId, role: PeerRole.VERIFIER, queueDepth: 0, capacity: 4, running: 0, queueSize: 32, connection: 'websocket' }
}

/** Routes `requests` arriving together (no announcement in between), as the gateway does: the least loaded of all. */
function routeBurst (verifiers: VerifierCandidate[], requests: number, inFlight: InFlightCounts | undefined): Map<string, number> {
  const spread = new Map<string, number>()
  for (let index = 0; index < requests; index++) {
    const chosen = pickVerifier(inFlight?.withOwnLoad(verifiers) ?? verifiers, [])
    if (chosen === undefined) throw new Error('no verifier chosen')
    inFlight?.begin(chosen.peerId)
    spread.set(chosen.peerId, (spread.get(chosen.peerId) ?? 0) + 1)
  }
  return spread
}

test('without its own counts, a burst seen against the same idle announcements crowds one verifier', () => {
  expect([...routeBurst([idleVerifier('a'), idleVerifier('b')], 8, undefined).entries()]).toEqual([['a', 8]])
})

test('a burst seen against the same idle announcements spreads evenly over the verifiers', () => {
  const two = routeBurst([idleVerifier('a'), idleVerifier('b')], 8, new InFlightCounts())
  expect([...two.values()]).toEqual([4, 4])
  const three = routeBurst([idleVerifier('a'), idleVerifier('b'), idleVerifier('c')], 12, new InFlightCounts())
  expect([...three.values()]).toEqual([4, 4, 4])
})

test('an announcement that already counts the requests is not counted twice', () => {
  const inFlight = new InFlightCounts()
  inFlight.begin('a')
  inFlight.begin('a')
  const busy = { ...idleVerifier('a'), running: 3 }
  expect(inFlight.withOwnLoad([busy])[0]?.running).toBe(3)
  expect(inFlight.withOwnLoad([idleVerifier('a')])[0]?.running).toBe(2)
})

test('ending a request frees its count once, however often called', () => {
  const inFlight = new InFlightCounts()
  const end = inFlight.begin('a')
  inFlight.begin('a')
  end()
  end()
  expect(inFlight.count('a')).toBe(1)
  expect(inFlight.count('b')).toBe(0)
})
