import { execFile } from 'node:child_process'
import { chmod, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { chromium } from '@playwright/test'
import type { BrowserContext } from '@playwright/test'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/browser.ts'
import { REPO_ROOT, freePort, startShoalProcess, temporaryDirectory } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'
import { startCoturn } from '../support/coturn.ts'
import type { CoturnProcess } from '../support/coturn.ts'

export type { CoturnProcess }

/**
 * A small internet for end-to-end tests, built by tests/network/internet.sh
 * inside the test's own private network namespace: the relay and coturn on
 * an "internet" bridge, the verifier in a home LAN behind a port-restricted
 * cone NAT, Chromium in a café LAN behind another cone NAT (STUN lets both
 * punch a hole: direct WebRTC) or in a mobile LAN behind a symmetric NAT
 * (only TURN gets WebRTC through).
 *
 * @example
 * ```ts
 * const internet = await buildInternet()
 * const turn = await internet.startCoturn(secret)
 * const relay = await internet.startRelay({ turnSecret: secret })
 * const verifier = await internet.startVerifier(relay.url)
 * const profile = await internet.launchMobileProfile(relay.url)
 * ```
 */

const run = promisify(execFile)
const SCRIPT = join(REPO_ROOT, 'tests/network/internet.sh')

/** Addresses on the "internet" bridge. */
export const RELAY_ADDRESS = '198.18.0.1'
export const TURN_ADDRESS = '198.18.0.2'
export const HOME_ROUTER_ADDRESS = '198.18.0.10'
export const MOBILE_ROUTER_ADDRESS = '198.18.0.20'
export const CAFE_ROUTER_ADDRESS = '198.18.0.30'
export const TURN_PORT = 3478

export interface InternetNetwork {
  /** Namespace of the home LAN host (the verifier). */
  home: string
  /** Namespace of the mobile LAN host (Chromium behind the symmetric NAT). */
  mobile: string
  /** Namespace of the café LAN host (Chromium behind the cone NAT). */
  cafe: string
  /** Starts coturn on TURN_ADDRESS with coturn's REST-API auth (`use-auth-secret`). */
  startCoturn: (secret: string) => Promise<CoturnProcess>
  /**
   * Starts a relay on RELAY_ADDRESS; with `turnSecret` it hands out TURN and STUN on TURN_ADDRESS,
   * with `stun` alone only STUN (coturn answers binding requests without credentials).
   */
  startRelay: (options?: { turnSecret?: string, stun?: boolean, extraArgs?: string[] }) => Promise<ShoalProcess>
  /**
   * Starts a verifier in the home LAN; its API is forwarded on the home router so the test can see /health.
   * `keyFile` fixes its identity (a relay started before it can name its peer id).
   */
  startVerifier: (relayUrl: string, extraArgs?: string[], keyFile?: string) => Promise<ShoalProcess>
  /** A Chromium profile running in the mobile LAN, treating the relay's plain-http origin as secure. */
  launchMobileProfile: (relayUrl: string) => Promise<BrowserContext>
  /** The same, in the café LAN. */
  launchCafeProfile: (relayUrl: string) => Promise<BrowserContext>
  /** The same, on the internet bridge itself (beside the relay: no NAT on the page's side). */
  launchInternetProfile: (relayUrl: string) => Promise<BrowserContext>
  /** Each router's rule counters, for failure reports. */
  status: () => Promise<string>
  /** Removes the namespaces. */
  down: () => Promise<void>
}

/** Whether this process can build the network: root, inside scripts/private-network.sh. */
export function canBuildInternet (): boolean {
  return process.getuid?.() === 0 && process.env.SHOAL_IN_PRIVATE_NETWORK === '1'
}

export async function buildInternet (): Promise<InternetNetwork> {
  // Namespace names are machine-wide: one prefix per run, removed at the end.
  const prefix = `n${process.pid.toString(36)}`
  await run('bash', [SCRIPT, 'down', prefix])
  await run('bash', [SCRIPT, 'up', prefix])
  const home = `${prefix}-home`
  const mobile = `${prefix}-mobile`
  const cafe = `${prefix}-cafe`
  const directory = await temporaryDirectory('shoal-internet-')
  const chromiumInMobile = await chromiumIn(directory, mobile)
  const chromiumInCafe = await chromiumIn(directory, cafe)

  return {
    home,
    mobile,
    cafe,
    startCoturn: async (secret) => startCoturn({ address: TURN_ADDRESS, port: TURN_PORT, secret, directory }),
    startRelay: async (options = {}) => {
      const port = await freePort()
      const stunUrl = `stun:${TURN_ADDRESS}:${TURN_PORT}`
      const turnArgs = options.turnSecret != null
        ? ['--turn-url', `turn:${TURN_ADDRESS}:${TURN_PORT},${stunUrl}`]
        : options.stun === true ? ['--turn-url', stunUrl] : []
      return startShoalProcess('relay/src/main.ts', [
        '--host', RELAY_ADDRESS,
        '--port', String(port),
        '--key-file', join(await temporaryDirectory(), 'relay.key'),
        '--app-dir', join(REPO_ROOT, 'build'),
        ...turnArgs,
        ...(options.extraArgs ?? [])
      ], `http://${RELAY_ADDRESS}:${port}`, options.turnSecret == null ? {} : { SHOAL_TURN_SECRET: options.turnSecret })
    },
    startVerifier: async (relayUrl, extraArgs = [], keyFile) => {
      const apiPort = await freePort()
      await run('bash', [SCRIPT, 'forward', prefix, String(apiPort)])
      return startShoalProcess('gpu-node/src/main.ts', [
        '--api-host', '0.0.0.0',
        '--api-port', String(apiPort),
        '--relay', relayUrl,
        '--key-file', keyFile ?? join(await temporaryDirectory(), 'gpu-node.key'),
        ...extraArgs
      ], `http://${HOME_ROUTER_ADDRESS}:${apiPort}`, {}, ['ip', 'netns', 'exec', home])
    },
    launchMobileProfile: async (relayUrl) => launchRecordingProfile(chromiumInMobile, relayUrl),
    launchCafeProfile: async (relayUrl) => launchRecordingProfile(chromiumInCafe, relayUrl),
    launchInternetProfile: async (relayUrl) => launchRecordingProfile(CHROMIUM_PATH, relayUrl),
    status: async () => (await run('bash', [SCRIPT, 'status', prefix])).stdout,
    down: async () => {
      await run('bash', [SCRIPT, 'down', prefix])
      await rm(directory, { recursive: true, force: true })
    }
  }
}

/** A wrapper Playwright can start as Chromium: Chromium run inside the namespace `namespace`. */
async function chromiumIn (directory: string, namespace: string): Promise<string> {
  const path = join(directory, `chromium-in-${namespace}`)
  await writeFile(path, `#!/bin/sh\nexec ip netns exec ${namespace} ${CHROMIUM_PATH} "$@"\n`)
  await chmod(path, 0o755)
  return path
}

/** A Chromium profile from `executablePath` that records its RTCPeerConnections (see `peerConnections`). */
async function launchRecordingProfile (executablePath: string, relayUrl: string): Promise<BrowserContext> {
  const profileDirectory = await temporaryDirectory('shoal-profile-')
  const profile = await chromium.launchPersistentContext(profileDirectory, {
    executablePath,
    // A plain-http origin on a public address is not a secure context: say it is, as https would make it.
    args: [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${relayUrl}`]
  })
  await profile.addInitScript(recordPeerConnections)
  profile.on('close', () => { rm(profileDirectory, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }).catch(() => {}) })
  return profile
}

/** What each of a page's RTCPeerConnections did: states passed through and, once connected, the selected candidate pair. */
export interface PeerConnectionRecord {
  states: string[]
  selected?: { local: string, remote: string, localAddress: string, remoteAddress: string, bytesReceived: number }
}

/**
 * Runs in the page before its scripts: keeps every RTCPeerConnection the
 * page creates (libp2p's WebRTC transport's, all of them), so the test can
 * ask Chromium itself which candidates carry the traffic.
 */
function recordPeerConnections (): void {
  const Native = globalThis.RTCPeerConnection
  const records: Array<{ connection: RTCPeerConnection, states: string[] }> = []
  Object.defineProperty(globalThis, '__shoalPeerConnections', { value: records })
  globalThis.RTCPeerConnection = class extends Native {
    constructor (configuration?: RTCConfiguration) {
      super(configuration)
      const record = { connection: this, states: [] as string[] }
      records.push(record)
      this.addEventListener('connectionstatechange', () => { record.states.push(this.connectionState) })
    }
  }
}

/** The page's RTCPeerConnections so far, with the selected candidate pair of those connected now. */
export async function peerConnections (page: import('@playwright/test').Page): Promise<PeerConnectionRecord[]> {
  return page.evaluate(async () => {
    const records = (globalThis as unknown as { __shoalPeerConnections?: Array<{ connection: RTCPeerConnection, states: string[] }> }).__shoalPeerConnections ?? []
    return Promise.all(records.map(async ({ connection, states: seen }) => {
      let states = seen
      // close() changes the state without a connectionstatechange event: add where it is now.
      if (states.at(-1) !== connection.connectionState) {
        states = [...states, connection.connectionState]
      }
      if (connection.connectionState !== 'connected') {
        return { states }
      }
      const stats = new Map<string, Record<string, unknown>>()
      ;(await connection.getStats()).forEach((report: Record<string, unknown>) => { stats.set(String(report.id), report) })
      const transport = [...stats.values()].find((report) => report.type === 'transport' && report.selectedCandidatePairId != null)
      const pair = transport == null ? undefined : stats.get(String(transport.selectedCandidatePairId))
      const local = pair == null ? undefined : stats.get(String(pair.localCandidateId))
      const remote = pair == null ? undefined : stats.get(String(pair.remoteCandidateId))
      return {
        states,
        selected: local == null || remote == null
          ? undefined
          : { local: String(local.candidateType), remote: String(remote.candidateType), localAddress: `${String(local.address)}:${String(local.port)}`, remoteAddress: `${String(remote.address)}:${String(remote.port)}`, bytesReceived: Number(pair?.bytesReceived ?? 0) }
      }
    }))
  })
}
