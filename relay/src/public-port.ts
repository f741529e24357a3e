import { closeServer, errorMessage, guardConnections, listen } from '#server'
import { relayBootstrap } from './addresses.ts'
import { createRelayHttpServer } from './http-server.ts'
import { DEMO_MODELS_DIR } from './static-files.ts'
import { relayHealth, relayMetrics } from './relay-stats.ts'
import type { PeerRelays } from './peer-relays.ts'
import type { RelayNode } from './relay-node.ts'
import type { RelayStatsInit } from './relay-stats.ts'
import type { WebSocketProxy } from './websocket-proxy.ts'
import type { Gateway } from './gateway/gateway.ts'
import { reloadTlsOnSighup } from './tls.ts'
import type { TlsCredentials, TlsFiles } from './tls.ts'
import type { TurnCredentials } from './turn-credentials.ts'
import type { Log, Startable } from '#server'

export interface PublicPortInit {
  host: string
  /** 0 picks a free port. */
  port: number
  appDir: string
  modelDir?: string
  maxReservations: number
  /** Most sockets one IP address may hold (0: no limit); see `guardConnections`. */
  maxConnectionsPerIp: number
  startedAt: number
  /** Certificate and key (PEM): the port serves https and wss. */
  tls?: TlsCredentials
  /** Where `tls` came from: SIGHUP reads them again and swaps the certificate for new connections. */
  tlsFiles?: TlsFiles
  /** STUN/TURN servers handed to pages and verifiers in the bootstrap JSON, with fresh TURN credentials each time. */
  turn?: TurnCredentials
}

export interface PublicPortComponents {
  relay: RelayNode
  proxy: WebSocketProxy
  /** The other relays of this mesh: named in the bootstrap JSON, counted in health and metrics. */
  peerRelays: PeerRelays
  /** Answers `/v1/*` and `/api/*` (see gateway/gateway.ts). */
  gateway: Gateway
  log: Log
}

export interface PublicPort extends Startable {
  /** The port listened on, once started. */
  readonly port: number
}

/**
 * The relay's one public port as a service (routes in `http-server.ts`):
 * started, it listens; stopped, it closes every connection. It starts
 * before the relay node, which announces it, so until the node is up
 * `/health`, `/metrics` and the bootstrap JSON answer 503.
 */
export function createPublicPort (init: PublicPortInit): (components: PublicPortComponents) => PublicPort {
  return ({ relay, proxy, peerRelays, gateway, log }) => {
    const stats = (): RelayStatsInit | undefined => relay.libp2p === undefined
      ? undefined
      : { node: relay.libp2p, proxy, peerRelays, police: relay.police, streams: relay.streams, bytes: relay.bytes, maxReservations: init.maxReservations, startedAt: init.startedAt, httpRequests: http.requests }
    const http = createRelayHttpServer({
      appDir: init.appDir,
      // The committed demo pair behind the model folder: a relay run from a checkout serves the
      // drafts pages need for a verifier on the default model, whether or not anything copied them.
      modelDirs: init.modelDir == null ? undefined : [init.modelDir, DEMO_MODELS_DIR],
      gateway,
      proxy,
      log,
      health: () => {
        const running = stats()
        return running === undefined ? undefined : relayHealth(running)
      },
      metrics: () => {
        const running = stats()
        return running === undefined ? [] : [...relayMetrics(running), ...gateway.metrics()]
      },
      bootstrap: () => {
        if (relay.libp2p === undefined) {
          return undefined
        }
        const bootstrap = relayBootstrap(relay.peerId, relay.announced, peerRelays.origins)
        return init.turn === undefined ? bootstrap : init.turn.withIceServers(bootstrap)
      },
      tls: init.tls
    })
    // Slow-loris clients are cut off and no one address holds every socket.
    guardConnections(http.server, { maxPerAddress: init.maxConnectionsPerIp, log })
    let port = init.port
    let stopTlsReload: (() => void) | undefined
    return {
      get port () { return port },
      start: async () => {
        port = await listen(http.server, init.port, init.host)
        // Errors after listening (a failed accept, say) are news, not a reason to stop; listening's own failure is thrown above.
        http.server.on('error', (err) => { log.warn(`HTTP server: ${errorMessage(err)}`) })
        if (http.secure !== undefined && init.tlsFiles !== undefined) {
          stopTlsReload = reloadTlsOnSighup(http.secure, init.tlsFiles, log)
        }
      },
      stop: async () => {
        stopTlsReload?.()
        await closeServer(http.server)
      }
    }
  }
}
