import { processMetrics } from '#server'
import { browserDialableAddresses } from './addresses.ts'
import { decodeBarrierMetrics, passCostMetrics, verifierMetrics, warmMetrics } from './verifier/metrics.ts'
import { passCostLabel } from './verifier/pass-cost-emulation.ts'
import { linkDelayLabel } from './drafting/link-delay.ts'
import type { GpuNodeHealth } from './api-server.ts'
import type { ChatProtocol } from './chat/index.ts'
import type { DraftProtocol } from './drafting/index.ts'
import type { HttpTunnel } from './http-tunnel.ts'
import type { GpuNodeLibp2p } from './gpu-node.ts'
import type { ProbeProtocol } from './probe-handler.ts'
import type { ReceiptLedger } from './receipts/index.ts'
import type { RelaySet } from './relay-set.ts'
import type { VerifierAnnouncer } from './verifier-announcer.ts'
import type { LlamaVerifier } from './verifier/llama-verifier.ts'
import type { ByteBudget, GossipPolice, Metric, StreamBudget } from '#server'

/** The parts of gpu-node that `/health` and `/metrics` report on. */
export interface GpuNodeParts {
  startedAt: number
  /** Emulated WAN round trip of the draft streams (`--emulate-link-delay`), in ms; 0 when off. */
  linkDelayMs: number
  node: GpuNodeLibp2p
  verifier: LlamaVerifier
  ledger: ReceiptLedger
  relay: RelaySet
  announcer: VerifierAnnouncer
  probe: ProbeProtocol
  chats: ChatProtocol
  drafting: DraftProtocol
  police: GossipPolice
  streams: StreamBudget
  /** Per-peer budgets of bytes read, per protocol. */
  bytes: ByteBudget
  /** Absent until the API server is built (the tunnel forwards to it). */
  tunnel?: HttpTunnel
}

/** The body of `GET /health`. */
export function gpuNodeHealth (parts: GpuNodeParts, now: number = Date.now()): GpuNodeHealth {
  const { node, verifier } = parts
  const { name, tokenizerFingerprint, demo, contextLength } = verifier.model
  return {
    status: 'ok',
    peerId: node.peerId.toString(),
    relay: parts.relay.state,
    relays: parts.relay.relays,
    connections: node.getConnections().length,
    model: { name, loaded: true, tokenizerFingerprint, demo, contextLength },
    queueDepth: verifier.queueDepth,
    ...(verifier.passCost === undefined ? {} : { emulatedPassCost: { label: passCostLabel(verifier.passCost.profile), source: verifier.passCost.profile.source, ...verifier.passCost.stats } }),
    ...(parts.linkDelayMs === 0 ? {} : { emulatedLinkDelay: { label: linkDelayLabel(parts.linkDelayMs), roundTripMs: parts.linkDelayMs } }),
    addresses: browserDialableAddresses(node),
    uptimeSeconds: Math.floor((now - parts.startedAt) / 1000)
  }
}

/** Everything `GET /metrics` reports but the HTTP API's own counters. */
export function gpuNodeMetrics (parts: GpuNodeParts): Metric[] {
  const connections = parts.node.getConnections()
  return [
    { name: 'shoal_gpu_node_connections', help: 'Open libp2p connections.', type: 'gauge', value: connections.length },
    { name: 'shoal_gpu_node_webrtc_connections', help: 'Open direct WebRTC connections.', type: 'gauge', value: connections.filter((connection) => connection.remoteAddr.toString().includes('/webrtc')).length },
    ...parts.relay.metrics(),
    ...parts.police.metrics('shoal_gpu_node'),
    ...parts.streams.metrics('shoal_gpu_node'),
    ...parts.bytes.metrics('shoal_gpu_node'),
    ...parts.announcer.metrics(),
    ...parts.probe.metrics(),
    { name: 'shoal_gpu_node_capacity', help: 'Chats served at once.', type: 'gauge', value: parts.verifier.capacity },
    { name: 'shoal_gpu_node_presented_receipts_counted_total', help: 'Drafted receipts of trusted verifiers counted toward priority.', type: 'counter', value: parts.ledger.countedReceipts },
    ...verifierMetrics(parts.verifier.stats),
    ...decodeBarrierMetrics(parts.verifier.decodeBarrier),
    ...warmMetrics(parts.verifier.warm),
    ...(parts.verifier.passCost === undefined ? [] : passCostMetrics(parts.verifier.passCost)),
    ...parts.chats.metrics(),
    ...parts.drafting.metrics(),
    ...(parts.tunnel?.metrics() ?? []),
    ...processMetrics('shoal_gpu_node', parts.startedAt)
  ]
}
