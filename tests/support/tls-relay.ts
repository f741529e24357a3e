import { execFile, spawn } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { connect } from 'node:tls'
import type { TLSSocket } from 'node:tls'
import { promisify } from 'node:util'
import { REPO_ROOT, freePort, temporaryDirectory, waitFor } from './processes.ts'
import type { ShoalProcess } from './processes.ts'

/**
 * A relay serving https and wss with a self-signed certificate the test
 * makes (openssl), and the TLS client pieces to talk to it trusting only
 * that certificate.
 */

const run = promisify(execFile)

/** A self-signed certificate for 127.0.0.1 and localhost, valid `days`, written as PEM files; returns its SHA-256 fingerprint. */
export async function makeCertificate (certFile: string, keyFile: string, name: string, days = 1): Promise<string> {
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', String(days),
    '-subj', `/CN=${name}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile])
  return new X509Certificate(await readFile(certFile)).fingerprint256
}

/** Opens a TLS connection to the relay, trusting only `ca`. */
export async function tlsConnect (port: number, ca: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => { resolve(socket) })
    socket.once('error', reject)
  })
}

/** One HTTP/1.1 request on an open (keep-alive) TLS socket; resolves with the status line. */
export async function requestOn (socket: TLSSocket, path: string): Promise<string> {
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

export async function startTlsRelay (certFile: string, keyFile: string, ca: string): Promise<ShoalProcess> {
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
