import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

/** The repository root, where `relay/` and `gpu-node/` live. */
export const REPO_ROOT = resolve(import.meta.dirname, '../..')

/** A real Shoal process started by a test. */
export interface ShoalProcess {
  /** Base URL of the process's HTTP server. */
  url: string
  child: ChildProcess
  /** Everything it printed so far, for failure messages. */
  output: () => string
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop: () => Promise<void>
  /** SIGKILL: the process vanishes as if the machine died. */
  kill: () => Promise<void>
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort (): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address !== null && typeof address === 'object') {
          resolvePort(address.port)
        } else {
          reject(new Error('no port'))
        }
      })
    })
  })
}

/** A fresh temporary directory. */
export async function temporaryDirectory (prefix = 'shoal-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}

/**
 * Starts `node --import tsx <entry> ...args` and waits until `GET <url>/health`
 * answers ok. One process, not the `tsx` wrapper, so a kill reaches the server.
 * `launcher` goes before `node`: a command that execs it, such as
 * `ip netns exec <namespace>` (tests/network/), so signals still reach it.
 */
export async function startShoalProcess (entry: string, args: string[], url: string, env: NodeJS.ProcessEnv = {}, launcher: readonly string[] = [], healthTimeoutMs = 60_000): Promise<ShoalProcess> {
  const command = [...launcher, process.execPath, '--import', 'tsx', join(REPO_ROOT, entry), ...args]
  const child = spawn(command[0] ?? process.execPath, command.slice(1), {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<void>((resolveExit) => { child.once('exit', () => { resolveExit() }) })
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return
    }
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  const running: ShoalProcess = {
    url,
    child,
    output: () => output,
    stop: async () => { await stopWith('SIGTERM') },
    kill: async () => { await stopWith('SIGKILL') }
  }
  try {
    // A model load takes seconds alone and over 20 s on a loaded 2-core machine; a process that dies fails at once anyway.
    await waitForHealth(url, child, healthTimeoutMs)
  } catch (err) {
    await running.kill()
    throw new Error(`${entry} did not become healthy: ${(err as Error).message}\n--- output ---\n${output}`)
  }
  return running
}

async function waitForHealth (url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`exited with code ${child.exitCode}`)
    }
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) })
      if (response.ok) {
        return
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 100))
  }
  throw new Error(`no healthy answer from ${url}/health within ${timeoutMs} ms`)
}

export interface RelayOptions {
  port?: number
  keyFile?: string
  appDir?: string
  extraArgs?: string[]
  env?: NodeJS.ProcessEnv
  /**
   * How long it may take to answer /health.
   *
   * @default 60 s
   */
  healthTimeoutMs?: number
}

/** Starts a real relay serving the built app. */
export async function startRelay (options: RelayOptions = {}): Promise<ShoalProcess> {
  const port = options.port ?? await freePort()
  const keyFile = options.keyFile ?? join(await temporaryDirectory(), 'relay.key')
  return startShoalProcess('relay/src/main.ts', [
    '--host', '127.0.0.1',
    '--port', String(port),
    '--key-file', keyFile,
    '--app-dir', options.appDir ?? join(REPO_ROOT, 'build'),
    ...(options.extraArgs ?? [])
  ], `http://127.0.0.1:${port}`, options.env, [], options.healthTimeoutMs)
}

export interface GpuNodeOptions {
  relayUrl: string
  apiPort?: number
  keyFile?: string
  extraArgs?: string[]
  /**
   * How long it may take to answer /health.
   *
   * @default 60 s
   */
  healthTimeoutMs?: number
}

/** Starts a real gpu-node (verifier) that joins the mesh through `relayUrl`. */
export async function startGpuNode (options: GpuNodeOptions): Promise<ShoalProcess> {
  const apiPort = options.apiPort ?? await freePort()
  const keyFile = options.keyFile ?? join(await temporaryDirectory(), 'gpu-node.key')
  return startShoalProcess('gpu-node/src/main.ts', [
    '--api-port', String(apiPort),
    '--relay', options.relayUrl,
    '--key-file', keyFile,
    ...(options.extraArgs ?? [])
  ], `http://127.0.0.1:${apiPort}`, {}, [], options.healthTimeoutMs)
}

/** Polls `check` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function waitFor<T> (what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value !== undefined) {
        return value
      }
    } catch (err) {
      lastError = err
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 100))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? '' : `: ${String(lastError)}`}`)
}
