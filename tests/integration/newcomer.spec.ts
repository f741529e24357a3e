/**
 * A newcomer's first hour: `npm start` on a fresh clone, stopping it the way
 * process managers do, starting it again, and pointing tools at the URLs it
 * prints. Real npm, real relay and verifier processes; nothing mocked.
 */
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { basename, join } from 'node:path'
import { expect, test } from '@playwright/test'
import { englishScore, loadDictionary } from '../../demo-models/english-score.ts'
import { DEMO_GGUF_MODELS } from '../../src/lib/inference/model-catalog.ts'
import { freePort, REPO_ROOT, startRelay, startShoalProcess, temporaryDirectory, waitFor } from '../support/processes.ts'
import { isolatedStartEnv, listeningAddresses, NPM_START_READY, npmStart, processesInGroup, serverProcesses, stopNpmStart, terminateAsASupervisorWould } from '../support/npm-start.ts'
import type { NpmStart, StartEnv } from '../support/npm-start.ts'
import type { ShoalProcess } from '../support/processes.ts'

const started: Array<{ run: NpmStart, relayPort: number, apiPort: number }> = []
const servers: ShoalProcess[] = []
const squatters: Server[] = []

test.afterEach(async () => {
  await Promise.all(started.splice(0).map(stopNpmStart))
  await Promise.all(servers.splice(0).map(async (server) => { await server.stop() }))
  await Promise.all(squatters.splice(0).map(async (server) => new Promise((resolve) => server.close(resolve))))
})

function launch ({ relayPort, apiPort, env }: StartEnv): NpmStart {
  const run = npmStart(env)
  started.push({ run, relayPort, apiPort })
  return run
}

async function squat (port: number, host: string): Promise<Server> {
  // Hangs up at once, so a health check that reaches it ends and close() does not wait on it.
  const server = createServer((socket) => { socket.destroy() })
  squatters.push(server)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { resolve() })
  })
  return server
}

async function firstBytes (url: string, count: number): Promise<{ status: number, bytes: Buffer }> {
  const response = await fetch(url)
  const reader = response.body?.getReader()
  const chunks: Buffer[] = []
  let length = 0
  while (reader != null && length < count) {
    const { done, value } = await reader.read()
    if (done) {
      break
    }
    chunks.push(Buffer.from(value))
    length += value.length
  }
  await reader?.cancel()
  return { status: response.status, bytes: Buffer.concat(chunks).subarray(0, count) }
}

test.describe('npm start', () => {
  // A start loads llama.cpp and a model on a 2-core machine.
  test.describe.configure({ timeout: 120_000 })

  test('from an empty model cache, every model the app offers is served once it says ready, and it says so in one clear block', async () => {
    const setup = await isolatedStartEnv(await temporaryDirectory('shoal-empty-cache-'))
    const { relayPort, apiPort } = setup
    const run = launch(setup)
    const output = await run.waitForOutput(NPM_START_READY)

    // The demo pair, byte for byte as committed in demo-models/.
    expect(DEMO_GGUF_MODELS.map((model) => model.role).sort()).toEqual(['draft', 'target'])
    for (const model of DEMO_GGUF_MODELS) {
      const { status, bytes } = await firstBytes(`http://127.0.0.1:${relayPort}${model.url}`, 4)
      expect(status, model.url).toBe(200)
      expect(bytes.toString('latin1'), model.url).toBe('GGUF')
      const served = Buffer.from(await (await fetch(`http://127.0.0.1:${relayPort}${model.url}`)).arrayBuffer())
      expect(served.equals(await readFile(join(REPO_ROOT, 'demo-models', basename(model.url)))), model.url).toBe(true)
    }

    // What runs where, which model, what to open, how to stop; nothing else.
    expect(output).toContain(`http://localhost:${relayPort}`)
    expect(output).toContain(`http://localhost:${apiPort}/v1`)
    expect(output).toMatch(/shoal-demo.*demo/i)
    expect(output).toContain('Ctrl-C')
    for (const noise of ['chunk', 'npm run preview', '/p2p/', '1 threads', '12D3KooW']) {
      expect(output, `npm start's output shows "${noise}"`).not.toContain(noise)
    }

    // An SDK pointed at the first URL printed finds the API there too, once the relay hears the verifier.
    expect(output).toContain(`http://localhost:${relayPort}/v1`)
    const models = await waitFor('the relay to list the verifier\'s model', async () => {
      const response = await fetch(`http://127.0.0.1:${relayPort}/v1/models`)
      return response.status === 200 ? await response.json() as { data: Array<{ id: string }> } : undefined
    })
    expect(models.data.map((model) => model.id)).toEqual(['shoal-demo'])

    // A newcomer's first chat: the demo target writes English sentences, not word salad.
    const chat = await fetch(`http://127.0.0.1:${apiPort}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'shoal-demo', messages: [{ role: 'user', content: 'Tell me a story about a cat.' }], max_tokens: 64, temperature: 0 })
    })
    expect(chat.status).toBe(200)
    const answer = (await chat.json() as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content ?? ''
    const score = englishScore(answer, await loadDictionary())
    expect(score.words, answer).toBeGreaterThan(20)
    expect(score.dictionaryShare, answer).toBeGreaterThanOrEqual(0.9)
    expect(score.functionWordShare, answer).toBeGreaterThanOrEqual(0.25)
  })

  test('SIGTERM to npm stops the relay and the verifier and frees their ports', async () => {
    const setup = await isolatedStartEnv()
    const { relayPort, apiPort } = setup
    const run = launch(setup)
    await run.waitForOutput(NPM_START_READY)
    expect(serverProcesses(relayPort, apiPort)).toHaveLength(2)
    expect(listeningAddresses(relayPort)).not.toEqual([])
    expect(listeningAddresses(apiPort)).not.toEqual([])

    expect((await terminateAsASupervisorWould(run, relayPort, apiPort)).code).toBe(0)
  })

  for (const taken of ['relay', 'API'] as const) {
    test(`refuses in one line, naming the port and its process, when the ${taken} port is taken`, async () => {
      const setup = await isolatedStartEnv()
      const { relayPort, apiPort } = setup
      const port = taken === 'relay' ? relayPort : apiPort
      // An old relay listened on every interface; the verifier's API on loopback.
      await squat(port, taken === 'relay' ? '0.0.0.0' : '127.0.0.1')
      const run = launch(setup)
      const { code } = await Promise.race([
        run.exited,
        new Promise<never>((_resolve, reject) => setTimeout(() => { reject(new Error(`npm start kept running:\n${run.output()}`)) }, 60_000))
      ])
      const output = run.output()
      expect(code, output).not.toBe(0)
      expect(output).not.toContain('Shoal is running')
      const errors = output.split('\n').filter((line) => /error/i.test(line))
      expect(errors, output).toHaveLength(1)
      expect(errors[0]).toMatch(new RegExp(`^shoal: error: .*port ${port}\\b`))
      expect(errors[0]).toContain(`pid ${process.pid}`)
      expect(processesInGroup(run.child.pid ?? 0)).toEqual([])
      expect(serverProcesses(relayPort, apiPort)).toEqual([])
      expect(listeningAddresses(taken === 'relay' ? apiPort : relayPort)).toEqual([])
    })
  }
})

test.describe('relay', () => {
  async function relayWith (args: string[], env: NodeJS.ProcessEnv = {}): Promise<ShoalProcess> {
    const port = await freePort()
    const server = await startShoalProcess('relay/src/main.ts', [
      '--port', String(port),
      '--key-file', join(await temporaryDirectory(), 'relay.key'),
      '--app-dir', join(REPO_ROOT, 'build'),
      ...args
    ], `http://127.0.0.1:${port}`, env)
    servers.push(server)
    return server
  }

  test('binds 127.0.0.1 unless asked, and says plainly when it listens on all interfaces', async () => {
    const local = await relayWith([])
    expect(listeningAddresses(Number(new URL(local.url).port))).toEqual(['127.0.0.1'])
    expect(local.output()).not.toContain('all interfaces')

    const exposed = await relayWith([], { SHOAL_RELAY_HOST: '0.0.0.0' })
    expect(listeningAddresses(Number(new URL(exposed.url).port))).toEqual(['0.0.0.0'])
    expect(exposed.output()).toContain('listening on all interfaces: the app is reachable from your network')
  })

  test('answers the API paths, with no verifier on the mesh, with a JSON 503 and Retry-After in each API\'s shape, not with the app', async () => {
    const relay = await startRelay()
    servers.push(relay)
    const requests: Array<[string, RequestInit]> = [
      ['/v1/models', {}],
      ['/v1', {}],
      ['/v1/chat/completions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"model":"x","messages":[]}' }],
      ['/api/tags', {}],
      ['/api/chat', { method: 'POST', body: '{}' }]
    ]
    for (const [path, init] of requests) {
      const response = await fetch(`${relay.url}${path}`, init)
      expect(response.status, path).toBe(503)
      expect(response.headers.get('retry-after'), path).toBe('5')
      expect(response.headers.get('content-type'), path).toMatch(/^application\/json/)
      const body = await response.json() as { error: string | { message: string, type: string, code: string } }
      if (path.startsWith('/api')) {
        expect(body.error, path).toMatch(/no verifier is connected to this relay/)
      } else {
        expect(typeof body.error === 'object' ? body.error.code : body.error, path).toBe('no_verifier')
        expect(typeof body.error === 'object' ? body.error.message : '', path).toMatch(/no verifier is connected to this relay/)
      }
    }
    // App routes that merely start alike are still the app.
    const page = await fetch(`${relay.url}/apiary`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)

    const told = await relayWith(['--api-url', 'http://127.0.0.1:9999'])
    const body = await (await fetch(`${told.url}/v1/models`)).json() as { error: { message: string } }
    expect(body.error.message).toContain('a verifier\'s own API is at http://127.0.0.1:9999')
  })
})
