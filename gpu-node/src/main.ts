/**
 * shoal-gpu-node: a Shoal verifier. Loads the model (`--model`, else the
 * built-in demo model), joins the mesh through the relay, announces itself on
 * gossip, answers probes, and serves an HTTP API.
 *
 * Its parts are services (see `startServices`), each built with what it
 * needs and started here in order; stopping undoes them in reverse.
 *
 * @example
 * ```console
 * $ npm run gpu-node -- --relay http://localhost:8080
 * Shoal verifier 12D3KooW... API on http://127.0.0.1:8081, relay http://localhost:8080
 * ```
 */
import { randomBytes } from 'node:crypto'
import { alreadyStarted, budgetedHandlers, ByteBudget, ConfigError, errorMessage, GossipPolice, httpUrl, loadOrCreateIdentityKey, runMain, shoalNodeService, startServices, StreamBudget } from '#server'
import { createApiService } from './api-server.ts'
import { createChatProtocol } from './chat/index.ts'
import { ledgerPath, parseGpuNodeOptions } from './config.ts'
import { createDraftProtocol, DrafterPool } from './drafting/index.ts'
import { openEmbedder } from './embedding/index.ts'
import { linkDelayLabel } from './drafting/link-delay.ts'
import { createGpuNode } from './gpu-node.ts'
import { createHttpTunnel } from './http-tunnel.ts'
import { describeModel } from './model/model-details.ts'
import { resolveModelPath } from './model/resolve-model.ts'
import { createProbeProtocol } from './probe-handler.ts'
import { ContributorCredit, ReceiptIssuer, ReceiptLedger } from './receipts/index.ts'
import { formatRelayAddress } from './relay-address.ts'
import { createRelaySet } from './relay-set.ts'
import { VERIFIER_BYTE_RATES, VERIFIER_STREAM_RATES } from './stream-rates.ts'
import { verifierRtcConfiguration } from './relay-ice-servers.ts'
import { gpuNodeHealth, gpuNodeMetrics } from './status.ts'
import { createVerifierAnnouncer } from './verifier-announcer.ts'
import { createLlamaVerifier } from './verifier/llama-verifier.ts'
import { loadPassCostProfile, passCostLabel } from './verifier/pass-cost-emulation.ts'
import type { PassCostProfile } from './verifier/pass-cost-emulation.ts'
import type { GpuNodeOptions } from './config.ts'
import type { GpuNodeParts } from './status.ts'
import type { LlamaVerifier } from './verifier/llama-verifier.ts'
import type { DraftSourceOpener } from './verifier/types.ts'
import type { Log } from '#server'

runMain({ program: 'shoal-gpu-node' }, async ({ signal, log }) => {
  const parsed = parseGpuNodeOptions()
  if (parsed.help) {
    process.stdout.write(parsed.usage)
    return undefined
  }
  const options = parsed.options
  const startedAt = Date.now()
  const privateKey = await loadOrCreateIdentityKey(options.keyFile, { signal })
  // --ice-servers, else the STUN/TURN servers (and short-lived TURN credentials) the relay hands out.
  const node = await createGpuNode({ privateKey, rtcConfiguration: verifierRtcConfiguration(options.relays, options.iceServers) })
  const passCost = options.emulatePassCost === undefined ? undefined : await loadPassCostProfile(options.emulatePassCost).catch((err: unknown) => { throw new ConfigError(errorMessage(err)) })
  const ledger = await openLedger(ledgerPath(options))
  // Each answer's receipts are signed with the node's libp2p key and kept in the ledger; an emulated GPU's say so.
  const receipts = new ReceiptIssuer({ privateKey, ledger, emulation: passCost === undefined ? undefined : passCostLabel(passCost) })
  // Drafters (contributing tabs) join this pool over the draft protocol; answers that allow it get drafts from it.
  const drafters = new DrafterPool()
  // The model before the mesh: a bad model file stops the process (one line, exit 1) before it joins.
  const verifier = await loadVerifier(options, { passCost, receipts, drafters: (prompt, asker) => drafters.open(prompt, asker), log, signal })
    .catch((err: unknown) => {
      ledger.close()
      throw err
    })

  // Embeddings from the served model, or from --embedding-model's (a bad file stops the start here too).
  const embedder = await openEmbedder({
    embeddingModel: options.embeddingModel,
    served: { model: verifier.loadedModel, name: verifier.model.name, contextLength: verifier.model.contextLength },
    threads: options.threads,
    queueSize: options.queueSize,
    gpu: options.gpu === 'off' ? false : 'auto',
    progress: process.stderr,
    signal
  }).catch(async (err: unknown) => {
    await verifier.dispose()
    ledger.close()
    throw err
  })

  // Hangs up on peers whose announcements keep being rejected (garbage, or a flood).
  const police = new GossipPolice(node, log)
  // Streams a peer opens faster than its protocol allows are reset unread.
  const streams = new StreamBudget(VERIFIER_STREAM_RATES)
  // Bytes past a protocol's budget reset a request stream, or slow the tunnel's.
  const bytes = new ByteBudget(VERIFIER_BYTE_RATES)
  const handlers = budgetedHandlers(node, streams, bytes)
  const components = { node: handlers, verifier, log }
  const probe = createProbeProtocol()(components)
  // Chats from pages over the mesh (/shoal/chat/1.0.0), served by the same verifier as the HTTP APIs.
  const chats = createChatProtocol()({ ...components, credit: new ContributorCredit({ ledger, self: receipts.peerId, trusted: options.trust }) })
  const drafting = createDraftProtocol({ linkDelayMs: options.emulateLinkDelay })({ ...components, pool: drafters, receipts: { issuer: receipts.peerId, ledger } })
  const relay = createRelaySet({ relays: options.relays })({ node, log })
  const announcer = createVerifierAnnouncer()({ node, verifier, log })
  const parts: GpuNodeParts = { linkDelayMs: options.emulateLinkDelay, startedAt, node, verifier, ledger, relay, announcer, probe, chats, drafting, police, streams, bytes }
  // Requests a relay's gateway forwards over the mesh (/shoal/http/1.0.0) are answered by the API server below, which
  // believes the tunnel's word on who asks only with this secret.
  const tunnelToken = randomBytes(32).toString('base64url')
  const api = createApiService({ host: options.apiHost, port: options.apiPort, maxTokensPerRequest: options.clientMaxTokens, apiKey: options.apiKey, tunnelToken })({
    verifier,
    embedder,
    modelDetails: describeModel(verifier.loadedModel, verifier.model.contextLength),
    log,
    health: () => gpuNodeHealth(parts),
    metrics: () => gpuNodeMetrics(parts)
  })
  const tunnel = createHttpTunnel({ apiHost: options.apiHost, token: tunnelToken })({ node: handlers, api, log })
  parts.tunnel = tunnel

  // Stopped in reverse: the announcements end first, chats in flight are told the verifier is
  // going while their streams still work, and the model and the ledger go last.
  const running = await startServices({
    ledger: alreadyStarted(() => { ledger.close() }),
    verifier: alreadyStarted(async () => { await verifier.dispose() }),
    // Before the verifier: its context may sit on the verifier's model.
    embedder: alreadyStarted(async () => { await embedder.dispose() }),
    node: shoalNodeService(node, police),
    probe,
    api,
    // After the API it forwards to, before the relay connector: a gateway may forward as soon as it hears us.
    tunnel,
    drafting,
    chats,
    relay,
    announcer
  }, { signal, log })
  log.info(`Shoal verifier ${node.peerId.toString()} API on ${httpUrl(options.apiHost, api.port)}, relay ${options.relays.map(formatRelayAddress).join(', ')}${passCost === undefined ? '' : `, EMULATED GPU (${passCostLabel(passCost)})`}${options.emulateLinkDelay === 0 ? '' : `, EMULATED WAN (${linkDelayLabel(options.emulateLinkDelay)})`}`)
  return running
})

/** Resolves `--model` (downloading it, or writing the demo model, if need be) and loads it. */
async function loadVerifier (options: GpuNodeOptions, parts: { passCost: PassCostProfile | undefined, receipts: ReceiptIssuer, drafters: DraftSourceOpener, log: Log, signal: AbortSignal }): Promise<LlamaVerifier> {
  const { log, signal } = parts
  const model = await resolveModelPath(options.model, { name: options.modelName, progress: process.stderr, signal })
  if (model.demo) {
    log.info('Using the built-in demo model, a tiny model trained on simple children\'s stories: it writes stories, not facts. Set SHOAL_MODEL=/path/to/model.gguf for a real one.')
  }
  return createLlamaVerifier({
    passCost: parts.passCost,
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
    receipts: parts.receipts,
    drafters: parts.drafters,
    log
  })
}

/** Opens the receipt ledger, or says in one line why it cannot be. */
async function openLedger (path: string): Promise<ReceiptLedger> {
  try {
    return await ReceiptLedger.open(path)
  } catch (err) {
    throw new ConfigError(`cannot open the receipt ledger ${path}: ${errorMessage(err)}`)
  }
}
