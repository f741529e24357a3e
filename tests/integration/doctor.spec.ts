import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { expect, test } from '@playwright/test'
import { startCoturn } from '../support/coturn.ts'
import type { CoturnProcess } from '../support/coturn.ts'
import { freePort, startGpuNode, startRelay, temporaryDirectory } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'
import { makeCertificate, startTlsRelay } from '../support/tls-relay.ts'
import { runToExit } from './run-to-exit.ts'

/**
 * `npm run doctor`: a deployment checked from outside, against real relays,
 * verifiers and coturn, healthy and broken in the ways self-hosters break
 * them. Each failure must say what is wrong in words. Runs inside the
 * private test network.
 */

const processes: ShoalProcess[] = []
const turnServers: CoturnProcess[] = []
test.afterEach(async () => {
  await Promise.all(processes.splice(0).map(async (process) => { await process.stop() }))
  await Promise.all(turnServers.splice(0).map(async (server) => { await server.stop() }))
})

// Listening for announcements takes a few of their rounds.
test.describe.configure({ timeout: 90_000 })

async function doctor (url: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null, report: string }> {
  const { code, stdout, stderr } = await runToExit('scripts/doctor/main.ts', [url], { timeoutMs: 60_000, env })
  return { code, report: stdout + stderr }
}

/** The report's line for one check: its mark and what it says. */
function line (report: string, check: string): string {
  return report.split('\n').find((text) => text.includes(check)) ?? `(no line for "${check}")`
}

test('a healthy mesh: every check passes, naming the verifier and its model', async () => {
  const relay = await startRelay()
  processes.push(relay)
  const verifier = await startGpuNode({ relayUrl: relay.url, extraArgs: ['--threads', '1'] })
  processes.push(verifier)
  const verifierId = (await (await fetch(`${verifier.url}/health`)).json() as { peerId: string }).peerId
  const { code, report } = await doctor(relay.url)
  expect(code, report).toBe(0)
  expect(line(report, 'relay at')).toMatch(/^ {2}✓ .*healthy/)
  expect(line(report, 'the app')).toMatch(/^ {2}✓ .*cross-origin isolated/)
  expect(line(report, 'WebSocket to the relay')).toMatch(/^ {2}✓ WebSocket to the relay: joined the mesh/)
  expect(line(report, 'verifiers announced')).toContain(`…${verifierId.slice(-8)} (shoal-demo`)
  expect(line(report, 'reachable')).toMatch(/^ {2}✓ .*probe round trip \d+ ms/)
  expect(report).toMatch(/All \d+ checks passed\./)
})

test('a relay with no verifier: the mesh check fails and says how to start one', async () => {
  const relay = await startRelay()
  processes.push(relay)
  const { code, report } = await doctor(relay.url)
  expect(code, report).toBe(1)
  expect(line(report, 'verifiers announced')).toMatch(/^ {2}✗ verifiers announced: none in \d+ s/)
  expect(line(report, 'verifiers announced')).toContain(`--relay ${new URL(relay.url).origin}`)
  expect(report).toMatch(/1 of \d+ checks failed\./)
})

test('nothing at the address: says it cannot reach the relay, and skips what needs it', async () => {
  const { code, report } = await doctor(`http://127.0.0.1:${await freePort()}`)
  expect(code, report).toBe(1)
  expect(line(report, 'relay at')).toMatch(/^ {2}✗ relay at .*: cannot reach it: .*ECONNREFUSED/)
  expect(report).toContain('– the app, STUN/TURN and the mesh: needs a relay that answers')
})

test('TURN: an allocation with the relay\'s minted credentials passes; coturn with another secret fails with what to check', async () => {
  const secret = randomBytes(24).toString('base64')
  const port = 3478 + Math.floor(Math.random() * 1000)
  const turnUrl = `turn:127.0.0.1:${port}`
  const relay = await startRelay({ extraArgs: ['--turn-url', `${turnUrl},stun:127.0.0.1:${port}`], env: { SHOAL_TURN_SECRET: secret } })
  processes.push(relay)

  const agreeing = await startCoturn({ address: '127.0.0.1', port, secret, directory: await temporaryDirectory() })
  turnServers.push(agreeing)
  const good = await doctor(relay.url)
  expect(line(good.report, `TURN ${turnUrl}`)).toMatch(/^ {2}✓ TURN [^:]+:[^:]+:\d+: allocation made with the relay's credentials: relayed address 127\.0\.0\.1:\d+/)
  expect(line(good.report, `STUN stun:127.0.0.1:${port}`)).toMatch(/^ {2}✓ STUN .*: answers/)
  await agreeing.stop()
  turnServers.splice(0)

  // coturn restarted with a secret the relay does not know: it refuses every minted credential.
  turnServers.push(await startCoturn({ address: '127.0.0.1', port, secret: randomBytes(24).toString('base64'), directory: await temporaryDirectory() }))
  const bad = await doctor(relay.url)
  expect(bad.code, bad.report).toBe(1)
  expect(line(bad.report, `TURN ${turnUrl}`)).toMatch(/^ {2}✗ TURN [^:]+:[^:]+:\d+: no allocation within \d+ s: .*static-auth-secret must be the relay's --turn-secret-file/)
})

test('https: a certificate this machine trusts passes and the mesh is joined over wss; an untrusted one fails, saying browsers will refuse it', async () => {
  const directory = await temporaryDirectory('shoal-tls-')
  const certFile = `${directory}/cert.pem`
  const keyFile = `${directory}/key.pem`
  // Valid for a month: one that expires within a week is a failure of its own.
  await makeCertificate(certFile, keyFile, 'shoal-doctor-test', 30)
  const relay = await startTlsRelay(certFile, keyFile, await readFile(certFile, 'utf8'))
  processes.push(relay)
  const url = relay.url.replace('127.0.0.1', 'localhost')

  // As on a machine whose CAs vouch for the certificate.
  const trusted = await doctor(url, { NODE_EXTRA_CA_CERTS: certFile })
  expect(line(trusted.report, 'TLS certificate of')).toMatch(/^ {2}✓ TLS certificate of localhost:\d+: trusted, for localhost, valid until \d{4}-\d\d-\d\d/)
  expect(line(trusted.report, 'wss to the relay')).toMatch(/^ {2}✓ wss to the relay: joined the mesh/)

  const untrusted = await doctor(url)
  expect(untrusted.code, untrusted.report).toBe(1)
  expect(line(untrusted.report, 'TLS certificate of')).toMatch(/^ {2}✗ TLS certificate of localhost:\d+: not trusted: .*Browsers will refuse the app and its wss/)
})
