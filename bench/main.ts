/**
 * `npm run bench`: measures Shoal with real processes and writes
 * docs/benchmarks.md and docs/benchmarks.json. Each section starts and stops
 * its own processes; sections run one after another (machines have 2 cores).
 */
import { REPO_ROOT } from '../tests/support/processes.ts'
import { benchBrowserEngine } from './browser-engine.ts'
import { benchChaos } from './chaos.ts'
import { benchChatThroughput } from './chat-throughput.ts'
import { benchDemoPair } from './demo-pair.ts'
import { benchDrafting } from './drafting.ts'
import { benchDraftingGpuCurve } from './drafting-gpu-curve.ts'
import { benchFailover } from './failover.ts'
import { benchGateway } from './gateway.ts'
import { benchInternet } from './internet.ts'
import { benchMeshLatency } from './mesh-latency.ts'
import { meetsTarget, writeReport } from './report.ts'
import { benchRelayCapacity } from './relay-capacity.ts'
import { benchVerifierCapacity } from './verifier-capacity.ts'
import { benchVerifierScaling } from './verifier-scaling.ts'
import type { Section } from './report.ts'

const benchmarks: Array<{ name: string, run: () => Promise<Section> }> = [
  { name: 'mesh latency', run: benchMeshLatency },
  { name: 'chat speed', run: benchChatThroughput },
  { name: 'browser engine', run: benchBrowserEngine },
  { name: 'drafting', run: benchDrafting },
  // `npm run bench -- "gpu cost"`: drafting under an emulated GPU's pass cost, at loopback and a WAN delay.
  { name: 'gpu cost curve', run: benchDraftingGpuCurve },
  { name: 'demo pair', run: benchDemoPair },
  { name: 'relay capacity', run: async () => await benchRelayCapacity() },
  { name: 'verifier flood', run: benchVerifierCapacity },
  // `npm run bench -- failover`: the gap a killed verifier leaves in an answer another one continues.
  { name: 'failover', run: benchFailover },
  // `npm run bench -- chaos`: 20 rounds of killing a part of the mesh under load.
  { name: 'chaos', run: benchChaos },
  // `npm run bench -- gateway`: a request's cost through the relay's URL, and the gap of a hand-over there.
  { name: 'gateway', run: benchGateway },
  // `npm run bench -- scaling`: aggregate tokens/s of 1, 2 and 3 verifiers under one load through the gateway (EMULATED GPU).
  { name: 'verifier scaling', run: benchVerifierScaling },
  // `bash scripts/private-network.sh npm run bench -- internet`: per placement across NATs, page load to first token and the connection used (root).
  { name: 'internet placements', run: benchInternet }
]

// `npm run bench -- chat` runs only the benchmarks whose name contains "chat"; the others'
// results are kept from the last report. `npx tsx bench/main.ts pair` runs the demo pair's
// section alone (it needs no build, network or browser).
const only = process.argv.slice(2)
const sections: Section[] = []
for (const benchmark of benchmarks.filter((candidate) => only.length === 0 || only.some((word) => candidate.name.includes(word)))) {
  console.log(`bench: ${benchmark.name}`)
  sections.push(await benchmark.run())
}
await writeReport(REPO_ROOT, sections)
for (const section of sections) {
  for (const measurement of section.measurements) {
    const met = meetsTarget(measurement)
    console.log(`${section.title} · ${measurement.name}: p50 ${measurement.summary.p50.toFixed(2)} ${measurement.unit}${met === undefined ? '' : met ? ' (target met)' : ' (TARGET MISSED)'}`)
  }
}
console.log('bench: wrote docs/benchmarks.md and docs/benchmarks.json')
