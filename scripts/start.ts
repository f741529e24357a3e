/**
 * `npm start`: the whole mesh on this machine. Builds the app when the build
 * is missing or older than its sources, starts the relay (which serves the
 * app) and a verifier, prints the URL to open, and stops both on Ctrl-C.
 *
 * Ports: SHOAL_RELAY_PORT (default 8080) and SHOAL_API_PORT (default 8081).
 */
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const relayPort = process.env.SHOAL_RELAY_PORT ?? '8080'
const apiPort = process.env.SHOAL_API_PORT ?? '8081'

function newestChange (path: string): number {
  const stats = statSync(path)
  if (!stats.isDirectory()) {
    return stats.mtimeMs
  }
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestChange(join(path, entry))), stats.mtimeMs)
}

function buildIfStale (): void {
  const built = join(root, 'build/index.html')
  const sources = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'package-lock.json'].map((entry) => join(root, entry))
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newestChange))) {
    return
  }
  console.log('Building the app…')
  const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) {
    console.error('shoal: error: the app did not build (see above)')
    process.exit(1)
  }
}

function start (name: string, entry: string, args: string[]): ChildProcess {
  // node --import tsx: one process per server, so signals reach it directly.
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, entry), ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`shoal: error: the ${name} exited (${signal ?? `code ${code}`}); stopping`)
      stopAll(1)
    }
  })
  return child
}

async function waitUntilHealthy (url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) })).ok) {
        return
      }
    } catch {
      // not up yet
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 200))
  }
  throw new Error(`${url} did not become healthy`)
}

let stopping = false
const children: ChildProcess[] = []

function stopAll (code: number): void {
  stopping = true
  for (const child of children) {
    child.kill('SIGTERM')
  }
  process.exitCode = code
}

process.on('SIGINT', () => { stopAll(0) })
process.on('SIGTERM', () => { stopAll(0) })

buildIfStale()
const relayUrl = `http://localhost:${relayPort}`
const relay = start('relay', 'relay/src/main.ts', ['--port', relayPort])
children.push(relay)
try {
  await waitUntilHealthy(relayUrl, relay)
  const verifier = start('verifier', 'gpu-node/src/main.ts', ['--api-port', apiPort, '--relay', relayUrl])
  children.push(verifier)
  await waitUntilHealthy(`http://localhost:${apiPort}`, verifier)
  console.log(`\n  Shoal is running. Open ${relayUrl}\n  Verifier API: http://localhost:${apiPort}   (Ctrl-C stops both)\n`)
} catch (err) {
  if (!stopping) {
    console.error(`shoal: error: ${(err as Error).message}`)
    stopAll(1)
  }
}
