/**
 * shoal-gpu-node: a Shoal verifier. Loads the model (`--model`, else the
 * built-in demo model), joins the mesh through the relay, announces itself on
 * gossip, answers probes, and serves an HTTP API.
 *
 * @example
 * ```console
 * $ npm run gpu-node -- --relay http://localhost:8080
 * Shoal verifier 12D3KooW... API on http://127.0.0.1:8081, relay http://localhost:8080
 * ```
 */
import { AGENT, MAX_ANNOUNCED_ADDRESSES, PROBE_PROTOCOL, PeerRole } from '#protocol'
import { Announcer } from '#mesh-common'
import { ConfigError, closeServer, errorMessage, httpUrl, listen, loadOrCreateIdentityKey, processMetrics, runMain } from '#server'
import { browserDialableAddresses } from './addresses.ts'
import { registerChatProtocol } from './chat/index.ts'
import { registerDraftProtocol } from './drafting/index.ts'
import { createApiServer } from './api-server.ts'
import { ledgerPath, parseGpuNodeOptions } from './config.ts'
import { ContributorCredit, ReceiptIssuer, ReceiptLedger } from './receipts/index.ts'
import { resolveModelPath } from './model/resolve-model.ts'
import { createLlamaVerifier } from './verifier/llama-verifier.ts'
import { passCostMetrics, verifierMetrics } from './verifier/metrics.ts'
import { loadPassCostProfile, passCostLabel } from './verifier/pass-cost-emulation.ts'
import { linkDelayLabel } from './drafting/link-delay.ts'
import { startGpuNode } from './gpu-node.ts'
import { handleProbeStream } from './probe-handler.ts'
import { formatRelayAddress } from './relay-address.ts'
import { RelayConnector } from './relay-connector.ts'
import type { GpuNodeHealth } from './api-server.ts'
import type { ProbeStats } from './probe-handler.ts'
import type { Metric } from '#server'

runMain({ program: 'shoal-gpu-node' }, async ({ signal, log }) => {
  const parsed = parseGpuNodeOptions()
  if (parsed.help) {
    process.stdout.write(parsed.usage)
    return undefined
  }
  const options = parsed.options
  const startedAt = Date.now()
  const privateKey = await loadOrCreateIdentityKey(options.keyFile, { signal })
  const ledger = await openLedger(ledgerPath(options))

  // The model before the mesh: a bad model file stops the process (one line, exit 1) before it joins.
  const model = await resolveModelPath(options.model, { name: options.modelName, progress: process.stderr, signal })
  if (model.demo) {
    log.info('Using the built-in demo model, a tiny model trained on simple children\'s stories: it writes stories, not facts. Set SHOAL_MODEL=/path/to/model.gguf for a real one.')
  }
  const passCost = options.emulatePassCost === undefined ? undefined : await loadPassCostProfile(options.emulatePassCost).catch((err: unknown) => { throw new ConfigError(errorMessage(err)) })
  // What the chat protocol and the HTTP APIs serve completions from.
  const verifier = await createLlamaVerifier({
    passCost,
    modelPath: model.path,
    modelName: model.name,
    demo: model.demo,
    threads: options.threads,
    gpu: options.gpu === 'off' ? false : 'auto',
    capacity: options.capacity,
    contextSize: options.contextSize,
    queueSize: options.queueSize,
    perClientMaxConcurrent: options.clientMaxConcurrent,
    perClientMaxTokens: options.clientMaxTokens,
    streamIntervalMs: options.streamInterval,
    log
  })
  // Each answer's receipts are signed with the node's libp2p key and kept in the ledger.
  const receipts = new ReceiptIssuer({ privateKey, ledger, emulation: passCost === undefined ? undefined : passCostLabel(passCost) })
  verifier.receipts = receipts
  const credit = new ContributorCredit({ ledger, self: receipts.peerId, trusted: options.trust })
  let node: Awaited<ReturnType<typeof startGpuNode>>
  try {
    node = await startGpuNode({ privateKey, iceServers: options.iceServers })
  } catch (err) {
    await verifier.dispose()
    ledger.close()
    throw err
  }

  const probes: ProbeStats = { openStreams: 0, messages: 0 }
  await node.handle(PROBE_PROTOCOL, (stream) => handleProbeStream(stream, { stats: probes }), {
    // Browsers probe before, and while, upgrading the relayed connection to WebRTC.
    runOnLimitedConnection: true
  })
  // Chats from pages over the mesh (/shoal/chat/1.0.0), served by the same verifier as the HTTP APIs.
  const chats = await registerChatProtocol(node, { verifier: () => verifier, credit, log })
  // Drafters (contributing tabs) on one long-lived stream each; answers that allow it get drafts from them.
  const drafting = await registerDraftProtocol(node, { verifier: () => verifier, log, linkDelayMs: options.emulateLinkDelay })
  verifier.drafters = (prompt, asker) => drafting.pool.open(prompt, asker)

  const relay = new RelayConnector({ node, relay: options.relay, log })
  let announceFailing = false
  const announcer = new Announcer({
    pubsub: node.services.pubsub,
    describe: () => {
      announceFailing = false
      return {
        role: PeerRole.VERIFIER,
        agent: AGENT,
        model: verifier.model.name,
        tokenizerFingerprint: verifier.model.tokenizerFingerprint,
        queueDepth: verifier.queueDepth,
        capacity: verifier.capacity,
        addresses: browserDialableAddresses(node).slice(0, MAX_ANNOUNCED_ADDRESSES)
      }
    },
    onError: (err) => {
      if (!announceFailing) {
        log.warn(`announcing failed (${errorMessage(err)}); will keep trying`)
        announceFailing = true
      }
    }
  })
  // transport:listening fires the moment a relay reservation gives us new
  // addresses (self:peer:update comes a second later): announce them at once.
  node.addEventListener('transport:listening', () => { announcer.announceSoon() })

  const health = (): GpuNodeHealth => ({
    status: 'ok',
    peerId: node.peerId.toString(),
    relay: relay.state,
    connections: node.getConnections().length,
    model: { name: verifier.model.name, loaded: true, tokenizerFingerprint: verifier.model.tokenizerFingerprint, demo: verifier.model.demo, contextLength: verifier.model.contextLength },
    queueDepth: verifier.queueDepth,
    ...(verifier.passCost === undefined ? {} : { emulatedPassCost: { label: passCostLabel(verifier.passCost.profile), source: verifier.passCost.profile.source, ...verifier.passCost.stats } }),
    ...(options.emulateLinkDelay === 0 ? {} : { emulatedLinkDelay: { label: linkDelayLabel(options.emulateLinkDelay), roundTripMs: options.emulateLinkDelay } }),
    addresses: browserDialableAddresses(node),
    uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000)
  })
  const metrics = (): Metric[] => {
    const connections = node.getConnections()
    return [
      { name: 'shoal_gpu_node_connections', help: 'Open libp2p connections.', type: 'gauge', value: connections.length },
      { name: 'shoal_gpu_node_webrtc_connections', help: 'Open direct WebRTC connections.', type: 'gauge', value: connections.filter((connection) => connection.remoteAddr.toString().includes('/webrtc')).length },
      { name: 'shoal_gpu_node_relay_connected', help: '1 when connected to the relay with a reservation, else 0.', type: 'gauge', value: relay.state === 'connected' ? 1 : 0 },
      { name: 'shoal_gpu_node_relay_reconnects_total', help: 'Times the relay was lost after being connected.', type: 'counter', value: relay.reconnects },
      { name: 'shoal_gpu_node_announcements_total', help: 'Announcements published.', type: 'counter', value: announcer.published },
      { name: 'shoal_gpu_node_probe_streams', help: 'Open probe streams.', type: 'gauge', value: probes.openStreams },
      { name: 'shoal_gpu_node_probe_messages_total', help: 'Probes echoed.', type: 'counter', value: probes.messages },
      { name: 'shoal_gpu_node_capacity', help: 'Chats served at once.', type: 'gauge', value: verifier.capacity },
      { name: 'shoal_gpu_node_presented_receipts_counted_total', help: 'Drafted receipts of trusted verifiers counted toward priority.', type: 'counter', value: ledger.countedReceipts },
      ...verifierMetrics(verifier.stats),
      ...(verifier.passCost === undefined ? [] : passCostMetrics(verifier.passCost)),
      ...chats.metrics(),
      ...drafting.metrics(),
      ...processMetrics('shoal_gpu_node', startedAt)
    ]
  }

  const api = createApiServer({ log, health, metrics, verifier: () => verifier, maxTokensPerRequest: options.clientMaxTokens, apiKey: options.apiKey })
  let apiPort: number
  try {
    apiPort = await listen(api, options.apiPort, options.apiHost, { signal })
  } catch (err) {
    await Promise.all([node.stop(), verifier.dispose()])
    ledger.close()
    throw err
  }
  api.on('error', (err) => { log.warn(`API server: ${errorMessage(err)}`) })
  relay.start()
  announcer.start()

  log.info(`Shoal verifier ${node.peerId.toString()} API on ${httpUrl(options.apiHost, apiPort)}, relay ${formatRelayAddress(options.relay)}${passCost === undefined ? '' : `, EMULATED GPU (${passCostLabel(passCost)})`}${options.emulateLinkDelay === 0 ? '' : `, EMULATED WAN (${linkDelayLabel(options.emulateLinkDelay)})`}`)

  return {
    stop: async () => {
      announcer.stop()
      await relay.stop()
      // Tells chats in flight the verifier is going, while their streams still work.
      await chats.stop()
      await drafting.stop()
      await Promise.all([closeServer(api), node.stop(), verifier.dispose()])
      ledger.close()
    }
  }
})

/** Opens the receipt ledger, or says in one line why it cannot be. */
async function openLedger (path: string): Promise<ReceiptLedger> {
  try {
    return await ReceiptLedger.open(path)
  } catch (err) {
    throw new ConfigError(`cannot open the receipt ledger ${path}: ${errorMessage(err)}`)
  }
}
