/**
 * shoal-relay: serves the built PWA and, on the same port, relays libp2p
 * connections (circuit-relay-v2) and hubs gossip between browsers and verifiers.
 *
 * @example
 * ```console
 * $ npm run relay -- --port 8080
 * Shoal relay listening on http://127.0.0.1:8080 (peer 12D3KooW...)
 * ```
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { closeServer, errorMessage, httpUrl, listen, loadOrCreateIdentityKey, runMain } from '#server'
import { publicWebSocketMultiaddr, relayBootstrap } from './addresses.ts'
import { parseRelayOptions } from './config.ts'
import { createRelayHttpServer } from './http-server.ts'
import { startRelayNode } from './relay-node.ts'
import { relayHealth, relayMetrics } from './relay-stats.ts'
import { WebSocketProxy } from './websocket-proxy.ts'
import { createTurnCredentials } from './turn-credentials.ts'
import { loadTlsFiles, reloadTlsOnSighup, secureWebSocketMultiaddr } from './tls.ts'
import type { Bootstrap } from '#protocol'
import type { RelayNode } from './relay-node.ts'
import type { RelayStatsInit } from './relay-stats.ts'

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

  const proxy = new WebSocketProxy()
  let stats: RelayStatsInit | undefined
  let bootstrap: Bootstrap | undefined
  const http = createRelayHttpServer({
    appDir: options.appDir,
    modelDir: options.modelDir,
    proxy,
    log,
    health: () => stats == null ? undefined : relayHealth(stats),
    metrics: () => stats == null ? [] : relayMetrics(stats),
    bootstrap: () => bootstrap == null || turn == null ? bootstrap : turn.withIceServers(bootstrap),
    apiUrl: options.apiUrl,
    tls
  })
  const stopTlsReload = http.secure == null || tlsFiles == null ? undefined : reloadTlsOnSighup(http.secure, tlsFiles, log)

  // The HTTP port comes first: with --port 0 the public address, which libp2p
  // announces and reservations carry, is only known once it is bound.
  const port = await listen(http.server, options.port, options.host, { signal })
  http.server.on('error', (err) => { log.warn(`HTTP server: ${errorMessage(err)}`) })
  const plainAddress = publicWebSocketMultiaddr(options.host, port)
  const publicAddress = tls == null ? plainAddress : secureWebSocketMultiaddr(plainAddress)
  let relay: RelayNode
  try {
    relay = await startRelayNode({
      privateKey,
      announce: [publicAddress],
      maxReservations: options.maxReservations,
      maxConnections: options.maxConnections
    })
  } catch (err) {
    await closeServer(http.server)
    throw err
  }
  const peerId = relay.node.peerId.toString()
  proxy.target = relay.internal
  stats = { node: relay.node, proxy, maxReservations: options.maxReservations, startedAt, httpRequests: http.requests }
  bootstrap = relayBootstrap(peerId, [publicAddress])

  const url = httpUrl(options.host, port)
  log.info(`Shoal relay listening on ${tls == null ? url : url.replace(/^http:/, 'https:')} (peer ${peerId})`)
  if (!existsSync(join(options.appDir, 'index.html'))) {
    log.warn(`no app in ${options.appDir} (run \`npm run build\`); pages answer 503 until it is built`)
  }

  return {
    stop: async () => {
      stopTlsReload?.()
      proxy.target = undefined
      proxy.closeAll()
      await Promise.all([closeServer(http.server), relay.node.stop()])
    }
  }
})
