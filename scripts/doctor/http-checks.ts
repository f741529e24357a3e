import { connect } from 'node:tls'
import type { PeerCertificate } from 'node:tls'
import { parseBootstrap } from '#protocol'
import type { Bootstrap } from '#protocol'
import { describeError, failed, passed } from './report.ts'
import type { CheckResult } from './report.ts'

/** How long one HTTP check may take. */
const HTTP_TIMEOUT_MS = 10_000

function count (value: unknown, noun: string): string {
  return `${String(value)} ${noun}${value === 1 ? '' : 's'}`
}

async function get (url: string): Promise<Response> {
  return fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS), redirect: 'manual' })
}

/** `/health`: the relay answers, and how it is. */
export async function checkRelayHealth (origin: string): Promise<CheckResult> {
  const name = `relay at ${origin}`
  const started = performance.now()
  try {
    const response = await get(`${origin}/health`)
    const ms = Math.round(performance.now() - started)
    if (response.status === 503) return failed(name, 'answers 503: it is still starting (or its relay node failed to start); look at its log')
    if (!response.ok) return failed(name, `/health answered ${response.status}: is this a Shoal relay, or a proxy in front of one that does not pass /health through?`)
    const health = await response.json() as { peerId?: unknown, peers?: unknown, reservations?: unknown }
    if (typeof health.peerId !== 'string') return failed(name, '/health is not a Shoal relay\'s (no peer id)')
    return passed(name, `healthy in ${ms} ms: peer …${health.peerId.slice(-8)}, ${count(health.peers, 'peer')}, ${count(health.reservations, 'reservation')}`)
  } catch (err) {
    return failed(name, `cannot reach it: ${describeError(err)}. Is the relay running, its port open, and the name right?`)
  }
}

/**
 * The certificate the relay's port presents (https only): trusted by this
 * machine's CAs, for this name, and how long it has left.
 */
export async function checkTls (origin: string): Promise<CheckResult> {
  const url = new URL(origin)
  const name = `TLS certificate of ${url.host}`
  const port = Number(url.port === '' ? 443 : url.port)
  try {
    const { certificate, authorized, error } = await new Promise<{ certificate: PeerCertificate, authorized: boolean, error: string | undefined }>((resolve, reject) => {
      const socket = connect({ host: url.hostname, port, servername: url.hostname, rejectUnauthorized: false, timeout: HTTP_TIMEOUT_MS }, () => {
        resolve({ certificate: socket.getPeerCertificate(), authorized: socket.authorized, error: socket.authorizationError?.message })
        socket.end()
      })
      socket.once('timeout', () => { socket.destroy(); reject(new Error('no TLS handshake within 10 s')) })
      socket.once('error', reject)
    })
    const expires = new Date(certificate.valid_to)
    const daysLeft = Math.floor((expires.getTime() - Date.now()) / 86_400_000)
    if (!authorized) {
      return failed(name, `not trusted: ${error ?? 'unknown reason'}. Browsers will refuse the app and its wss; use a certificate from a public CA (e.g. Let's Encrypt) for ${url.hostname}`)
    }
    if (daysLeft < 7) {
      return failed(name, `expires in ${daysLeft} days (${expires.toISOString().slice(0, 10)}): renew it, then send the relay SIGHUP to load it`)
    }
    return passed(name, `trusted, for ${url.hostname}, valid until ${expires.toISOString().slice(0, 10)} (${daysLeft} days)`)
  } catch (err) {
    return failed(name, `no TLS on port ${port}: ${describeError(err)}`)
  }
}

/** The app itself: the page a person opens. */
export async function checkApp (origin: string): Promise<CheckResult> {
  const name = 'the app'
  try {
    const response = await get(`${origin}/`)
    const type = response.headers.get('content-type') ?? ''
    if (response.status === 503) return failed(name, 'not built on the relay: run `npm run build` there (or point --app-dir at a build)')
    if (!response.ok || !type.startsWith('text/html')) return failed(name, `/ answered ${response.status} ${type}, not the app's page`)
    const isolated = response.headers.get('cross-origin-embedder-policy') === 'require-corp' && response.headers.get('cross-origin-opener-policy') === 'same-origin'
    return passed(name, `served${isolated ? ', cross-origin isolated (models on this device can use several threads)' : '; without the COOP/COEP headers a proxy stripped, answers on this device run on one thread'}`)
  } catch (err) {
    return failed(name, `cannot load it: ${describeError(err)}`)
  }
}

/** `/shoal/bootstrap.json`: how pages join, and which STUN/TURN servers they get. */
export async function checkBootstrap (origin: string): Promise<{ result: CheckResult, bootstrap?: Bootstrap }> {
  const name = 'bootstrap'
  try {
    const response = await get(`${origin}/shoal/bootstrap.json`)
    if (!response.ok) return { result: failed(name, `/shoal/bootstrap.json answered ${response.status}`) }
    const bootstrap = parseBootstrap(await response.json())
    const ice = bootstrap.iceServers ?? []
    return {
      bootstrap,
      result: passed(name, `relay peer …${bootstrap.relayPeerId.slice(-8)}; ${ice.length === 0 ? 'no STUN or TURN servers (pages use host candidates only: peers behind different NATs cannot connect directly; see docs/internet.md)' : `${ice.length} ICE server entr${ice.length === 1 ? 'y' : 'ies'}`}`)
    }
  } catch (err) {
    return { result: failed(name, describeError(err)) }
  }
}
