import { execFile, spawn } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { connect } from 'node:tls'
import type { TLSSocket } from 'node:tls'
import { promisify } from 'node:util'
import { chromium, expect, test } from '@playwright/test'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/browser.ts'
import { e2eSession } from '../support/e2e-session.ts'
import { REPO_ROOT, freePort, temporaryDirectory, waitFor } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'

/**
 * TLS on the relay's one port (`--tls-cert`, `--tls-key`): https and wss,
 * with a self-signed certificate this test makes, and a SIGHUP that swaps it
 * without dropping the connections already open.
 */

const { processes, profiles } = e2eSession()
const run = promisify(execFile)

/** A self-signed certificate for 127.0.0.1 and localhost, written as PEM files; returns its SHA-256 fingerprint. */
async function makeCertificate (certFile: string, keyFile: string, name: string): Promise<string> {
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', `/CN=${name}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile])
  return new X509Certificate(await readFile(certFile)).fingerprint256
}

/** Opens a TLS connection to the relay, trusting only `ca`. */
async function tlsConnect (port: number, ca: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => { resolve(socket) })
    socket.once('error', reject)
  })
}

/** One HTTP/1.1 request on an open (keep-alive) TLS socket; resolves with the status line. */
async function requestOn (socket: TLSSocket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1')
      const headerEnd = text.indexOf('\r\n\r\n')
      const length = /content-length: (\d+)/i.exec(text)?.[1]
      if (headerEnd >= 0 && length != null && text.length >= headerEnd + 4 + Number(length)) {
        socket.off('data', onData)
        resolve(text.split('\r\n')[0] ?? '')
      }
    }
    socket.on('data', onData)
    socket.once('error', reject)
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n`)
  })
}

async function startTlsRelay (certFile: string, keyFile: string, ca: string): Promise<ShoalProcess> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'relay/src/main.ts'),
    '--host', '127.0.0.1', '--port', String(port), '--key-file', join(await temporaryDirectory(), 'relay.key'),
    '--app-dir', join(REPO_ROOT, 'build'), '--tls-cert', certFile, '--tls-key', keyFile], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve() }) })
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal)
      await exited
    }
  }
  const relay: ShoalProcess = { url: `https://127.0.0.1:${port}`, child, output: () => output, stop: async () => { await stopWith('SIGTERM') }, kill: async () => { await stopWith('SIGKILL') } }
  processes.push(relay)
  await waitFor('the relay to answer over https', async () => {
    if (child.exitCode !== null) {
      throw new Error(`relay exited: ${output}`)
    }
    const socket = await tlsConnect(port, ca)
    try {
      return (await requestOn(socket, '/health')).includes(' 200 ') ? true : undefined
    } finally {
      socket.destroy()
    }
  }, 30_000)
  return relay
}

test('with --tls-cert and --tls-key the relay serves https and wss on its port, and a page on https reaches it over /tls/ws', async () => {
  test.setTimeout(120_000)
  const directory = await temporaryDirectory('shoal-tls-')
  const certFile = join(directory, 'cert.pem')
  const keyFile = join(directory, 'key.pem')
  await makeCertificate(certFile, keyFile, 'shoal-test-a')
  const relay = await startTlsRelay(certFile, keyFile, await readFile(certFile, 'utf8'))
  expect(relay.output()).toContain(`listening on ${relay.url}`)

  const profileDirectory = await temporaryDirectory('shoal-profile-')
  const profile = await chromium.launchPersistentContext(profileDirectory, {
    executablePath: CHROMIUM_PATH,
    // The test's own certificate: no CA vouches for it.
    args: [...CHROMIUM_ARGS, '--ignore-certificate-errors']
  })
  profiles.push(profile)
  const page = profile.pages()[0] ?? await profile.newPage()
  const bootstrap = page.waitForResponse((response) => response.url().endsWith('/shoal/bootstrap.json'))
  await page.goto(`${relay.url}/network`)
  const announced = await (await bootstrap).json() as { multiaddrs: string[] }
  expect(announced.multiaddrs.every((address) => address.includes('/tls/ws/p2p/')), JSON.stringify(announced)).toBe(true)
  // The page dialled the relay over wss (an https page may not open ws://) and holds a reservation.
  await expect(page.getByTestId('relay-status')).toHaveAttribute('data-state', 'reserved', { timeout: 30_000 })
})

test('SIGHUP swaps the certificate for new connections and keeps the open ones', async () => {
  test.setTimeout(60_000)
  const directory = await temporaryDirectory('shoal-tls-')
  const certFile = join(directory, 'cert.pem')
  const keyFile = join(directory, 'key.pem')
  const first = await makeCertificate(certFile, keyFile, 'shoal-test-a')
  const firstPem = await readFile(certFile, 'utf8')
  const relay = await startTlsRelay(certFile, keyFile, firstPem)
  const port = Number(new URL(relay.url).port)

  const kept = await tlsConnect(port, firstPem)
  expect(kept.getPeerX509Certificate()?.fingerprint256).toBe(first)
  expect(await requestOn(kept, '/health')).toContain(' 200 ')

  // A renewal writes new files and signals, as certbot's deploy hook does.
  const second = await makeCertificate(join(directory, 'next-cert.pem'), join(directory, 'next-key.pem'), 'shoal-test-b')
  expect(second).not.toBe(first)
  await rename(join(directory, 'next-cert.pem'), certFile)
  await rename(join(directory, 'next-key.pem'), keyFile)
  const secondPem = await readFile(certFile, 'utf8')
  relay.child.kill('SIGHUP')
  await waitFor('the relay to log the reload', () => relay.output().includes('TLS certificate reloaded') ? true : undefined, 10_000)

  const fresh = await tlsConnect(port, secondPem)
  expect(fresh.getPeerX509Certificate()?.fingerprint256).toBe(second)
  expect(await requestOn(fresh, '/health')).toContain(' 200 ')
  fresh.destroy()
  // The connection opened before the reload is still up and still answered.
  expect(kept.destroyed).toBe(false)
  expect(await requestOn(kept, '/health')).toContain(' 200 ')
  kept.destroy()

  // A broken pair on the next SIGHUP is refused and the relay keeps serving the last good one.
  await rename(join(directory, 'cert.pem'), join(directory, 'gone.pem'))
  relay.child.kill('SIGHUP')
  await waitFor('the relay to refuse the reload', () => relay.output().includes('TLS reload failed') ? true : undefined, 10_000)
  const after = await tlsConnect(port, secondPem)
  expect(after.getPeerX509Certificate()?.fingerprint256).toBe(second)
  after.destroy()
})
