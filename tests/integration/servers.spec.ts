/**
 * The relay and gpu-node as operators run them: real processes started with
 * tsx, talked to over HTTP and libp2p from this test process. No browser.
 */
import { request } from 'node:http'
import { connect } from 'node:net'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { expect, test } from '@playwright/test'
import { GpuNodeHealth } from '../../gpu-node/src/api-server.ts'
import { RelayHealth } from '../../relay/src/relay-stats.ts'
import { ANNOUNCE_TOPIC, BOOTSTRAP_PATH, decodeAnnouncement, parseBootstrap, PeerRole, PROBE_PROTOCOL } from '#protocol'
import { createShoalNode, joinAnnounceTopic } from '#server'
import { freePort, REPO_ROOT, startGpuNode, startRelay, temporaryDirectory, waitFor } from '../support/processes.ts'
import { runToExit } from './run-to-exit.ts'
import type { ShoalProcess } from '../support/processes.ts'
import type { Announcement } from '#protocol'
import type { Libp2p } from '@libp2p/interface'

const running: ShoalProcess[] = []
const clients: Libp2p[] = []

test.afterEach(async () => {
  await Promise.all(clients.splice(0).map(async (client) => { await client.stop() }))
  await Promise.all(running.splice(0).map(async (process) => { await process.stop() }))
})

async function relay (options: Parameters<typeof startRelay>[0] = {}): Promise<ShoalProcess> {
  const started = await startRelay(options)
  running.push(started)
  return started
}

async function gpuNode (relayUrl: string): Promise<ShoalProcess> {
  const started = await startGpuNode({ relayUrl })
  running.push(started)
  return started
}

async function relayHealth (relayProcess: ShoalProcess): Promise<RelayHealth> {
  return RelayHealth.parse(await (await fetch(`${relayProcess.url}/health`)).json())
}

async function gpuNodeHealth (gpuNodeProcess: ShoalProcess): Promise<GpuNodeHealth> {
  return GpuNodeHealth.parse(await (await fetch(`${gpuNodeProcess.url}/health`)).json())
}

async function waitForRelayState (gpuNodeProcess: ShoalProcess, state: GpuNodeHealth['relay'], timeoutMs = 30_000): Promise<GpuNodeHealth> {
  return waitFor(`gpu-node relay state "${state}"`, async () => {
    const health = await gpuNodeHealth(gpuNodeProcess)
    return health.relay === state ? health : undefined
  }, timeoutMs)
}

/** GET with the path sent exactly as written (fetch would normalise `..`). */
async function rawGet (url: string, path: string): Promise<{ status: number, body: string }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: hostname, port, path, method: 'GET' }, (response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => { body += chunk.toString() })
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, body }) })
    })
    outgoing.on('error', reject)
    outgoing.end()
  })
}

test.describe('relay', () => {
  test('answers /health, /metrics and the bootstrap JSON', async () => {
    const relayProcess = await relay()
    const health = await relayHealth(relayProcess)
    expect(health.peerId).toMatch(/^12D3KooW/)

    const metrics = await fetch(`${relayProcess.url}/metrics`)
    expect(metrics.headers.get('content-type')).toContain('text/plain')
    const text = await metrics.text()
    for (const name of ['shoal_relay_connections', 'shoal_relay_reservations', 'shoal_relay_peers', 'shoal_relay_uptime_seconds']) {
      expect(text).toContain(`# TYPE ${name} gauge`)
      expect(text).toMatch(new RegExp(`^${name} \\d+$`, 'm'))
    }

    const bootstrapResponse = await fetch(`${relayProcess.url}${BOOTSTRAP_PATH}`)
    expect(bootstrapResponse.headers.get('access-control-allow-origin')).toBe('*')
    const bootstrap = parseBootstrap(await bootstrapResponse.json())
    const { port } = new URL(relayProcess.url)
    expect(bootstrap).toEqual({ relayPeerId: health.peerId, multiaddrs: [`/ip4/127.0.0.1/tcp/${port}/ws/p2p/${health.peerId}`] })
    expect(relayProcess.output()).toContain(`Shoal relay listening on ${relayProcess.url} (peer ${health.peerId})`)
  })

  test('serves the built app with SPA fallback, cache headers and no traversal', async () => {
    const relayProcess = await relay()
    const index = await readFile(join(REPO_ROOT, 'build/index.html'), 'utf8')

    for (const path of ['/', '/some/deep/link']) {
      const response = await fetch(`${relayProcess.url}${path}`)
      expect(response.status, path).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(response.headers.get('cache-control')).toBe('no-cache')
      expect(await response.text()).toBe(index)
    }

    const immutableFolder = join(REPO_ROOT, 'build/_app/immutable/entry')
    const script = (await readdir(immutableFolder)).find((name) => name.endsWith('.js'))
    expect(script).toBeDefined()
    const asset = await fetch(`${relayProcess.url}/_app/immutable/entry/${script ?? ''}`)
    expect(asset.status).toBe(200)
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(asset.headers.get('cache-control')).toContain('immutable')

    expect((await fetch(`${relayProcess.url}/x.js`)).status).toBe(404)
    const packageJson = await readFile(join(REPO_ROOT, 'package.json'), 'utf8')
    for (const path of ['/../package.json', '/..%2fpackage.json', '/%2e%2e/package.json', '/_app/..%2f..%2fpackage.json']) {
      const response = await rawGet(relayProcess.url, path)
      expect([403, 404], path).toContain(response.status)
      expect(response.body).not.toContain(packageJson.slice(0, 40))
    }
  })

  test('serves the committed demo pair at /models/ when its model folder lacks it, and a model in the folder first', async () => {
    const modelDir = await temporaryDirectory()
    const relayProcess = await relay({ extraArgs: ['--model-dir', modelDir] })
    const committed = await readFile(join(REPO_ROOT, 'demo-models/shoal-stories-draft.gguf'))
    const draft = await fetch(`${relayProcess.url}/models/shoal-stories-draft.gguf`)
    expect(draft.status).toBe(200)
    expect(Buffer.from(await draft.arrayBuffer()).equals(committed)).toBe(true)
    expect((await fetch(`${relayProcess.url}/models/missing.gguf`)).status).toBe(404)
    expect((await fetch(`${relayProcess.url}/models/README.md`)).status).toBe(404)

    // A file of the same name in the model folder (an operator's rebuilt pair) is served instead.
    await writeFile(join(modelDir, 'shoal-stories-draft.gguf'), 'GGUF rebuilt')
    const rebuilt = await fetch(`${relayProcess.url}/models/shoal-stories-draft.gguf`)
    expect(await rebuilt.text()).toBe('GGUF rebuilt')
  })

  test('answers 503 with an explanation when the app is not built', async () => {
    const emptyAppDir = join(await temporaryDirectory(), 'build')
    await mkdir(emptyAppDir)
    const relayProcess = await relay({ appDir: emptyAppDir })
    const response = await fetch(`${relayProcess.url}/`)
    expect(response.status).toBe(503)
    expect(await response.text()).toContain('npm run build')
    expect((await fetch(`${relayProcess.url}/health`)).status).toBe(200)
  })

  test('survives malformed WebSocket traffic on the public port', async () => {
    const relayProcess = await relay()
    const { hostname, port } = new URL(relayProcess.url)
    const upgrade = [
      'GET / HTTP/1.1', `Host: ${hostname}:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
      'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', '', ''
    ].join('\r\n')
    // A frame with RSV1 set: `ws` emits 'error' on a socket libp2p gives no listener.
    const badFrame = Buffer.from([0xc1, 0x85, 0, 0, 0, 0, 0x68, 0x65, 0x6c, 0x6c, 0x6f])
    const firstLine = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) }, () => { socket.write(upgrade) })
      socket.once('data', (chunk: Buffer) => {
        socket.write(badFrame)
        resolve(chunk.toString().split('\r\n')[0] ?? '')
      })
      socket.on('error', reject)
      socket.on('close', () => { resolve('closed') })
    })
    expect(firstLine).toBe('HTTP/1.1 101 Switching Protocols')
    await waitFor('the relay to drop the bad socket', async () => {
      const text = await (await fetch(`${relayProcess.url}/metrics`)).text()
      return /^shoal_relay_proxied_sockets 0$/m.test(text) ? true : undefined
    })
    expect((await relayHealth(relayProcess)).status).toBe('ok')
    expect(relayProcess.child.exitCode).toBeNull()
    // Handled where it happens (patches/@libp2p+websockets+*.patch), not by the last-resort handler.
    expect(relayProcess.output()).not.toContain('uncaught exception')
  })

  test('keeps its peer id across restarts with the same key file', async () => {
    const keyFile = join(await temporaryDirectory(), 'relay.key')
    const first = await relay({ keyFile })
    const firstId = (await relayHealth(first)).peerId
    await first.stop()
    expect(first.child.exitCode).toBe(0)
    const second = await relay({ keyFile })
    expect((await relayHealth(second)).peerId).toBe(firstId)
  })
})

test.describe('gpu-node', () => {
  test('joins through the relay, announces itself and echoes probes over the relayed connection', async () => {
    const relayProcess = await relay()
    const verifier = await gpuNode(relayProcess.url)
    const health = await waitForRelayState(verifier, 'connected')
    expect(health.model).toMatchObject({ name: 'shoal-demo', loaded: true, demo: true, tokenizerFingerprint: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) })
    expect(health.addresses.some((address) => address.includes('/p2p-circuit/webrtc/p2p/'))).toBe(true)
    expect((await relayHealth(relayProcess)).reservations).toBeGreaterThanOrEqual(1)
    expect(verifier.output()).toContain(`Shoal verifier ${health.peerId} API on ${verifier.url}, relay ${relayProcess.url}`)

    // A libp2p client in this process plays the browser, minus WebRTC.
    const client = await createShoalNode({
      privateKey: await generateKeyPair('Ed25519'),
      transports: [webSockets(), circuitRelayTransport()],
      connectionGater: { denyDialMultiaddr: () => false }
    })
    clients.push(client)
    await client.start()
    const heard = new Promise<Announcement>((resolve) => {
      client.services.pubsub.addEventListener('message', (event) => {
        if (event.detail.topic === ANNOUNCE_TOPIC && event.detail.type === 'signed' && event.detail.from.toString() === health.peerId) {
          resolve(decodeAnnouncement(event.detail.data))
        }
      })
    })
    joinAnnounceTopic(client.services.pubsub)
    const bootstrap = parseBootstrap(await (await fetch(`${relayProcess.url}${BOOTSTRAP_PATH}`)).json())
    await client.dial(multiaddr(bootstrap.multiaddrs[0] ?? ''))

    const announcement = await heard
    expect(announcement).toMatchObject({ role: PeerRole.VERIFIER, model: 'shoal-demo', tokenizerFingerprint: health.model.tokenizerFingerprint, queueDepth: 0, capacity: 4 })
    expect(announcement.addresses.length).toBeGreaterThan(0)
    expect(announcement.addresses.every((address) => address.includes('/webrtc'))).toBe(true)

    const circuitAddress = `${bootstrap.multiaddrs[0] ?? ''}/p2p-circuit/p2p/${health.peerId}`
    const stream = await client.dialProtocol(multiaddr(circuitAddress), PROBE_PROTOCOL, { runOnLimitedConnection: true, signal: AbortSignal.timeout(10_000) })
    const probes = lpStream(stream)
    for (const text of ['ping', 'pong', 'x'.repeat(1024)]) {
      const bytes = new TextEncoder().encode(text)
      await probes.write(bytes, { signal: AbortSignal.timeout(5_000) })
      expect((await probes.read({ signal: AbortSignal.timeout(5_000) })).subarray()).toEqual(bytes)
    }
    await stream.close()
  })

  test('takes the relay as a multiaddr too; serves /metrics, JSON 404s and CORS', async () => {
    const relayProcess = await relay()
    const bootstrap = parseBootstrap(await (await fetch(`${relayProcess.url}${BOOTSTRAP_PATH}`)).json())
    const verifier = await gpuNode(bootstrap.multiaddrs[0] ?? '')
    await waitForRelayState(verifier, 'connected')
    const metrics = await (await fetch(`${verifier.url}/metrics`)).text()
    for (const name of ['shoal_gpu_node_connections', 'shoal_gpu_node_relay_connected', 'shoal_gpu_node_uptime_seconds']) {
      expect(metrics).toContain(`# TYPE ${name} gauge`)
    }
    expect(metrics).toMatch(/^shoal_gpu_node_relay_connected 1$/m)
    const missing = await fetch(`${verifier.url}/v1/nothing`)
    expect(missing.status).toBe(404)
    expect(missing.headers.get('access-control-allow-origin')).toBe('*')
    expect(await missing.json()).toEqual({ error: { message: expect.stringContaining('/v1/nothing'), type: 'not_found_error' } })
    expect((await fetch(`${verifier.url}/health`)).headers.get('access-control-allow-origin')).toBe('*')
  })

  test('outlives the relay: starts without it, survives its death and reconnects when it returns', async () => {
    const keyFile = join(await temporaryDirectory(), 'relay.key')
    const port = await freePort()
    const verifier = await gpuNode(`http://127.0.0.1:${port}`)
    expect((await gpuNodeHealth(verifier)).relay).toBe('connecting')

    const firstRelay = await relay({ port, keyFile })
    await waitForRelayState(verifier, 'connected')
    const relayId = (await relayHealth(firstRelay)).peerId

    await firstRelay.kill()
    await waitForRelayState(verifier, 'connecting')

    const secondRelay = await relay({ port, keyFile })
    expect((await relayHealth(secondRelay)).peerId).toBe(relayId)
    const health = await waitForRelayState(verifier, 'connected')
    expect(health.addresses.some((address) => address.includes(`/p2p/${relayId}/p2p-circuit/webrtc`))).toBe(true)
    await waitFor('the new relay to hold the reservation', async () => (await relayHealth(secondRelay)).reservations >= 1 ? true : undefined)
    expect(verifier.child.exitCode).toBeNull()
    // Log state changes, not every attempt; and no stray errors from the cut-off connection.
    expect(verifier.output().match(/unreachable/g)?.length ?? 0).toBeLessThanOrEqual(2)
    expect(verifier.output()).not.toMatch(/unhandled|uncaught/)
    await verifier.stop()
    expect(verifier.child.exitCode).toBe(0)
  })
})

test.describe('bad input', () => {
  const cases: Array<{ entry: string, args: string[], message: RegExp }> = [
    { entry: 'relay/src/main.ts', args: ['--port', 'abc'], message: /^shoal-relay: error: invalid --port "abc": must be an integer from 0 to 65535$/ },
    { entry: 'relay/src/main.ts', args: ['--port', '70000'], message: /^shoal-relay: error: invalid --port "70000"/ },
    { entry: 'relay/src/main.ts', args: ['--bogus'], message: /^shoal-relay: error: unknown option --bogus/ },
    { entry: 'relay/src/main.ts', args: ['--port', '0', '--key-file', REPO_ROOT], message: /^shoal-relay: error: cannot read key file .*EISDIR/ },
    { entry: 'gpu-node/src/main.ts', args: ['--relay', 'not-an-address'], message: /^shoal-gpu-node: error: invalid --relay "not-an-address"/ },
    { entry: 'gpu-node/src/main.ts', args: ['--api-port', '0', '--key-file', REPO_ROOT], message: /^shoal-gpu-node: error: cannot read key file/ },
    { entry: 'gpu-node/src/main.ts', args: ['--trust', 'nonsense'], message: /^shoal-gpu-node: error: invalid --trust "nonsense": "nonsense" is not a peer id/ },
    { entry: 'gpu-node/src/main.ts', args: ['--ledger', REPO_ROOT, '--key-file', join(tmpdir(), 'shoal-bad-ledger-test.key')], message: /^shoal-gpu-node: error: cannot open the receipt ledger / }
  ]
  for (const { entry, args, message } of cases) {
    test(`${entry} ${args.join(' ')} exits 1 with one line and no stack trace`, async () => {
      const result = await runToExit(entry, args)
      expect(result.code).toBe(1)
      expect(result.stdout).toBe('')
      const lines = result.stderr.trimEnd().split('\n')
      expect(lines, result.stderr).toHaveLength(1)
      expect(lines[0]).toMatch(message)
      expect(result.stderr).not.toMatch(/^\s+at /m)
    })
  }

  test('a port already in use is one line too', async () => {
    const relayProcess = await relay()
    const { port } = new URL(relayProcess.url)
    const result = await runToExit('relay/src/main.ts', ['--host', '127.0.0.1', '--port', port, '--key-file', join(await temporaryDirectory(), 'k')])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^shoal-relay: error: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE.*\n$/)
  })

  test('--help prints usage and exits 0', async () => {
    for (const entry of ['relay/src/main.ts', 'gpu-node/src/main.ts']) {
      const result = await runToExit(entry, ['--help'])
      expect(result.code).toBe(0)
      expect(result.stdout).toContain('Usage: shoal-')
      expect(result.stdout).toContain('--key-file <value>')
      expect(result.stderr).toBe('')
    }
  })
})
