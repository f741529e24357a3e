import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseBootstrap, relayMultiaddrForOrigin } from '#protocol'
import { RelayHealth } from '../relay/src/relay-stats.ts'
import { REPO_ROOT, startRelay, waitFor } from '../tests/support/processes.ts'
import type { Section } from './report.ts'
import { summarize } from './stats.ts'

/** Reservations held after each step: the curve's points. */
const STEPS = [100, 250, 500, 1000]
/** Client processes per step, so no one process's event loop is what gets measured. */
const CLIENTS_PER_STEP = 2
/** The target from the hardening issue: 1,000 reservations in at most 1 GiB. */
const RSS_TARGET_MIB = 1024

/** Resident memory of a process, from /proc (Linux), in MiB. */
async function residentMiB (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN)
  return kib / 1024
}

/** Starts a client process holding `count` reservations; resolves with their setup times once all hold one. */
async function reservationClient (relayAddress: string, count: number, clients: ChildProcess[]): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench/reservation-client.ts'), relayAddress, String(count)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  clients.push(child)
  let errors = ''
  child.stderr.on('data', (chunk: Buffer) => { errors += chunk.toString() })
  const lines = createInterface({ input: child.stdout })
  for await (const line of lines) {
    const report = JSON.parse(line) as { reserved: number, setupMs: number[] }
    return report.setupMs
  }
  throw new Error(`a reservation client exited before reporting: ${errors.slice(-2000)}`)
}

/**
 * The relay's memory and connection setup time as reservations grow to
 * 1,000: real peers (minimal Node libp2p nodes in child processes) each
 * dial the relay over its public WebSocket port and reserve a circuit, as
 * verifiers and contributing tabs do.
 */
export async function benchRelayCapacity (steps: readonly number[] = STEPS): Promise<Section> {
  const relay = await startRelay()
  const clients: ChildProcess[] = []
  try {
    const bootstrap = parseBootstrap(await (await fetch(`${relay.url}/shoal/bootstrap.json`)).json())
    const relayAddress = relayMultiaddrForOrigin(relay.url, bootstrap)
    const relayPid = relay.child.pid ?? Number.NaN
    const idleMiB = await residentMiB(relayPid)
    const rows: string[][] = [['0', idleMiB.toFixed(0), '', '']]
    const setupAll: number[] = []
    const rssAtStep: number[] = []
    let held = 0
    for (const step of steps) {
      const share = Math.ceil((step - held) / CLIENTS_PER_STEP)
      const setup = (await Promise.all(Array.from({ length: CLIENTS_PER_STEP }, async () => await reservationClient(relayAddress, share, clients)))).flat()
      held += setup.length
      const reservations = await waitFor(`${held} reservations at the relay`, async () => {
        const health = RelayHealth.parse(await (await fetch(`${relay.url}/health`)).json())
        return health.reservations >= held ? health.reservations : undefined
      }, 60_000)
      const rss = await residentMiB(relayPid)
      rssAtStep.push(rss)
      setupAll.push(...setup)
      const stepSetup = summarize(setup)
      rows.push([String(reservations), rss.toFixed(0), stepSetup.p50.toFixed(0), stepSetup.p90.toFixed(0)])
      console.log(`  relay capacity: ${reservations} reservations, relay RSS ${rss.toFixed(0)} MiB, setup p50 ${stepSetup.p50.toFixed(0)} ms`)
    }
    const perReservationKiB = ((rssAtStep.at(-1) ?? Number.NaN) - idleMiB) * 1024 / held
    return {
      title: 'Relay capacity',
      description: `One relay process; ${held} real libp2p peers (Node, in ${clients.length} child processes, ${CLIENTS_PER_STEP} per step) each dial its public WebSocket port and hold a circuit-relay reservation. Relay RSS from /proc after each step (idle: ${idleMiB.toFixed(0)} MiB; about ${perReservationKiB.toFixed(0)} KiB per reservation), and each peer's setup time from start to holding its reservation (8 peers connecting at once per client process). Clients share the machine's 2 cores with the relay, so setup times include queueing.`,
      table: { columns: ['reservations', 'relay RSS (MiB)', 'setup p50 (ms)', 'setup p90 (ms)'], rows },
      measurements: [
        { name: `relay RSS at ${held} reservations`, unit: 'MiB', summary: summarize([rssAtStep.at(-1) ?? Number.NaN]), target: { op: '<=', value: RSS_TARGET_MIB, of: 'p50' } },
        { name: 'reservation setup time', unit: 'ms', summary: summarize(setupAll) }
      ]
    }
  } finally {
    for (const client of clients) {
      client.kill('SIGTERM')
    }
    await Promise.all(clients.map(async (client) => await new Promise((resolve) => { if (client.exitCode != null) { resolve(undefined) } else { client.once('exit', resolve) } })))
    await relay.stop()
  }
}
