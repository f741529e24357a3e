/**
 * shoal-relay: serves the built PWA and, on the same port, relays libp2p
 * connections (circuit-relay-v2) and hubs gossip between browsers and verifiers.
 *
 * Its parts are services (see `startServices`), started here in order and
 * stopped in reverse.
 *
 * @example
 * ```console
 * $ npm run relay -- --port 8080
 * Shoal relay listening on http://0.0.0.0:8080 (peer 12D3KooW...)
 * ```
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { httpUrl, loadOrCreateIdentityKey, runMain, startServices } from '#server'
import { publicWebSocketMultiaddr } from './addresses.ts'
import { parseRelayOptions } from './config.ts'
import { createGateway } from './gateway/gateway.ts'
import { createPublicPort } from './public-port.ts'
import { createPeerRelays } from './peer-relays.ts'
import { createRelayNode } from './relay-node.ts'
import { WebSocketProxy } from './websocket-proxy.ts'
import { createTurnCredentials } from './turn-credentials.ts'
import { loadTlsFiles, secureWebSocketMultiaddr } from './tls.ts'

runMain({ program: 'shoal-relay' }, async ({ signal, log }) => {
  const parsed = parseRelayOptions()
  if (parsed.help) {
    process.stdout.write(parsed.usage)
    return undefined
  }
  const options = parsed.options
  const startedAt = Date.now()
  const privateKey = await loadOrCreateIdentityKey(options.keyFile, { signal })
  // STUN/TURN servers for pages and verifiers, with TURN credentials minted per bootstrap request.
  const turn = await createTurnCredentials(options)
  const tlsFiles = options.tlsCert == null || options.tlsKey == null ? undefined : { certFile: options.tlsCert, keyFile: options.tlsKey }
  const tls = tlsFiles == null ? undefined : await loadTlsFiles(tlsFiles)

  // The one dependency that points backwards: the relay node announces the public port, and the
  // public port forwards to the relay node. So the port starts first (with --port 0 it is known only
  // once bound), and the node reads it when it starts.
  const relay = createRelayNode({
    privateKey,
    announce: () => {
      const plain = publicWebSocketMultiaddr(options.host, http.port)
      return [tls == null ? plain : secureWebSocketMultiaddr(plain)]
    },
    maxReservations: options.maxReservations,
    maxConnections: options.maxConnections,
    unlimitedCircuitsFor: options.unlimitedCircuitsFor,
    log
  })
  const proxy = new WebSocketProxy({ relay })
  const peerRelays = createPeerRelays({ origins: options.peerRelays })({ relay, log })
  // /v1/* and /api/* go over the mesh to a verifier the relay hears (on the connection of its reservation here).
  const gateway = createGateway({ maxConcurrentPerIp: options.apiMaxConcurrentPerIp, apiUrl: options.apiUrl })({ relay, log })
  const http = createPublicPort({
    host: options.host,
    port: options.port,
    appDir: options.appDir,
    modelDir: options.modelDir,
    tls,
    tlsFiles,
    turn,
    maxReservations: options.maxReservations,
    maxConnectionsPerIp: options.maxConnectionsPerIp,
    startedAt
  })({ relay, proxy, peerRelays, gateway, log })

  const running = await startServices({ http, relay, proxy, peerRelays, gateway }, { signal, log })
  const url = httpUrl(options.host, http.port)
  log.info(`Shoal relay listening on ${tls == null ? url : url.replace(/^http:/, 'https:')} (peer ${relay.peerId})`)
  if (!existsSync(join(options.appDir, 'index.html'))) {
    log.warn(`no app in ${options.appDir} (run \`npm run build\`); pages answer 503 until it is built`)
  }
  return running
})
