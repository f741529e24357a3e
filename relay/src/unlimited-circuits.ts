import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { PeerId } from '@libp2p/interface'

/** The part of circuit-relay-v2's server this reaches into: its reservation store. */
interface ReservationStoreLike {
  reserve: (peer: PeerId, ...rest: unknown[]) => unknown
  get: (peer: PeerId) => { limit?: unknown } | undefined
}

/**
 * Lifts circuit-relay-v2's default limits (128 KiB, 2 minutes per relayed
 * connection) from the reservations of the given peers, so every circuit
 * to them (pages reaching a verifier the relay trusts, when WebRTC cannot
 * get through) carries a whole answer. Other peers keep the defaults: a
 * circuit is meant for signalling, and an unlimited one spends the relay's
 * bandwidth. The limit is per reservation, the destination's, so lifting
 * it for the verifier covers the circuits pages open to it.
 *
 * circuit-relay-v2 applies its defaults to every reservation alike and has
 * no per-peer option, so this wraps its store's `reserve` and drops the
 * limit from those peers' new reservations before they are answered.
 *
 * @throws {Error} when this version of circuit-relay-v2 keeps no reservation store (an upgrade changed it)
 */
export function liftCircuitLimitsFor (service: CircuitRelayService, peerIds: ReadonlySet<string>): void {
  if (peerIds.size === 0) {
    return
  }
  const store = (service as unknown as { reservationStore?: ReservationStoreLike }).reservationStore
  if (typeof store?.reserve !== 'function' || typeof store.get !== 'function') {
    throw new Error('--unlimited-circuits-for: this @libp2p/circuit-relay-v2 has no reservation store to change; check its server after an upgrade')
  }
  const reserve = store.reserve.bind(store)
  store.reserve = (peer, ...rest) => {
    const result = reserve(peer, ...rest)
    const reservation = store.get(peer)
    if (reservation !== undefined && peerIds.has(peer.toString())) {
      reservation.limit = undefined
    }
    return result
  }
}
