/**
 * `npm start` as a newcomer runs it: the real npm, the real script, real
 * servers. Started in a process group of its own; the servers it starts are
 * found by their command lines (they may sit in groups of their own, and an
 * orphan is reparented), so a test can tell whether any is left behind.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, REPO_ROOT, temporaryDirectory, waitFor } from './processes.ts'

/** What `npm start` prints once everything it started answers. */
export const NPM_START_READY = /Shoal is running[\s\S]*Ctrl-C.*\n/

export interface NpmStart {
  /** The npm process; its pid is also the process group of everything it starts. */
  child: ChildProcess
  /** stdout and stderr so far, interleaved as they came. */
  output: () => string
  /** Resolves when npm has exited. */
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  /** Resolves with the output once it matches `pattern`; rejects if npm exits first or the deadline passes. */
  waitForOutput: (pattern: RegExp, timeoutMs?: number) => Promise<string>
  /** SIGKILLs whatever is left in npm's process group (a test's last resort, not the way to stop it). */
  killGroup: () => void
}

export interface StartEnv {
  relayPort: number
  apiPort: number
  env: NodeJS.ProcessEnv
}

/**
 * Free ports, key files of its own and the app already built (so a test
 * never rebuilds `build/` under other tests); the model cache is the
 * repository's unless `modelCache` is given.
 */
export async function isolatedStartEnv (modelCache?: string): Promise<StartEnv> {
  const relayPort = await freePort()
  const apiPort = await freePort()
  const keys = await temporaryDirectory()
  return {
    relayPort,
    apiPort,
    env: {
      SHOAL_RELAY_PORT: String(relayPort),
      SHOAL_API_PORT: String(apiPort),
      SHOAL_RELAY_KEY_FILE: join(keys, 'relay.key'),
      SHOAL_GPU_NODE_KEY_FILE: join(keys, 'gpu-node.key'),
      SHOAL_APP_DIR: join(REPO_ROOT, 'build'),
      ...(modelCache == null ? {} : { SHOAL_MODEL_CACHE: modelCache })
    }
  }
}

/**
 * A test's cleanup: SIGTERM to npm if it still runs, then SIGKILL to
 * whatever a broken start left behind, so no server holds the ports for the
 * next test.
 */
export async function stopNpmStart ({ run, relayPort, apiPort }: { run: NpmStart, relayPort: number, apiPort: number }): Promise<void> {
  if (run.child.exitCode === null && run.child.signalCode === null) {
    run.child.kill('SIGTERM')
    await Promise.race([run.exited, new Promise((resolve) => setTimeout(resolve, 10_000))])
  }
  run.killGroup()
  for (const pid of serverProcesses(relayPort, apiPort)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * SIGTERM to npm alone (what kill, systemd and process managers send: not
 * to its process group), then waits until no process it started is left
 * and neither port is listened on. Resolves with npm's exit.
 */
export async function terminateAsASupervisorWould (run: NpmStart, relayPort: number, apiPort: number): Promise<{ code: number | null, signal: NodeJS.Signals | null }> {
  const group = run.child.pid ?? 0
  process.kill(group, 'SIGTERM')
  const left = (): string[] => [
    ...[...processesInGroup(group), ...serverProcesses(relayPort, apiPort)].map((pid) => `${pid} ${commandLine(pid)}`),
    ...[relayPort, apiPort].filter((port) => listeningAddresses(port).length > 0).map((port) => `a listener on port ${port}`)
  ]
  await waitFor('every process npm start started to exit and free its port', () => left().length === 0 ? true : undefined, 15_000).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; left: ${left().join('; ')}`)
  })
  return run.exited
}

/** Spawns `npm start` in the repository with `env` added to this process's. */
export function npmStart (env: NodeJS.ProcessEnv = {}, args: string[] = []): NpmStart {
  const child = spawn('npm', ['start', ...(args.length > 0 ? ['--', ...args] : [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => { resolve({ code, signal }) })
  })
  let hasExited = false
  void exited.then(() => { hasExited = true })
  const group = child.pid ?? 0
  return {
    child,
    output: () => output,
    exited,
    waitForOutput: async (pattern, timeoutMs = 90_000) => {
      const seen = await waitFor(`npm start to print ${String(pattern)}`, () => pattern.test(output) || hasExited ? output : undefined, timeoutMs)
        .catch((err: unknown) => { throw new Error(`${(err as Error).message}\n--- output ---\n${output}`) })
      if (!pattern.test(seen)) {
        throw new Error(`npm start exited before it printed ${String(pattern)}:\n${seen}`)
      }
      return seen
    },
    killGroup: () => {
      for (const pid of processesInGroup(group)) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // gone meanwhile
        }
      }
    }
  }
}

/** Pids of the live processes in process group `group` (Linux /proc), zombies excluded. */
export function processesInGroup (group: number): number[] {
  return livePids().filter((pid) => Number(statFields(pid)[2]) === group)
}

/** Every process that is not a zombie. */
function livePids (): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).filter((pid) => {
    const state = statFields(pid)[0]
    return state != null && state !== 'Z'
  })
}

/** /proc/<pid>/stat after the command name: state, ppid, pgrp, ... (empty when the process is gone). */
function statFields (pid: number): string[] {
  const stat = readFileSafe(`/proc/${pid}/stat`)
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
  return stat === '' ? [] : stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}

function readFileSafe (path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

/**
 * Pids of the live relays started with `--port <relayPort>` and verifiers
 * with `--api-port <apiPort>`, wherever they sit in the process tree.
 */
export function serverProcesses (relayPort: number, apiPort: number): number[] {
  return livePids().filter((pid) => {
    const args = readFileSafe(`/proc/${pid}/cmdline`).split('\0')
    return args.some((arg, index) => (arg === '--port' && args[index + 1] === String(relayPort)) || (arg === '--api-port' && args[index + 1] === String(apiPort)))
  })
}

/** The command line of a process, for failure messages. */
export function commandLine (pid: number): string {
  return readFileSafe(`/proc/${pid}/cmdline`).split('\0').join(' ').trim() || '(gone)'
}

/**
 * The local addresses with a TCP socket listening on `port`, read from the
 * kernel's tables (/proc/net/tcp and tcp6) of this network namespace, e.g.
 * `['127.0.0.1']` or `['0.0.0.0']`.
 */
export function listeningAddresses (port: number): string[] {
  const addresses: string[] = []
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local = '', , state] = line.trim().split(/\s+/)
      const [hexAddress = '', hexPort = ''] = local.split(':')
      // State 0A is LISTEN.
      if (state === '0A' && Number.parseInt(hexPort, 16) === port) {
        addresses.push(decodeAddress(hexAddress))
      }
    }
  }
  return addresses
}

/** /proc/net/tcp's address: IPv4 as one little-endian word, IPv6 as four. */
function decodeAddress (hex: string): string {
  const words = hex.match(/.{8}/g) ?? []
  const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse().map((byte) => Number.parseInt(byte, 16)))
  if (bytes.length === 4) {
    return bytes.join('.')
  }
  if (bytes.every((byte) => byte === 0)) {
    return '::'
  }
  if (bytes.slice(0, 15).every((byte) => byte === 0) && bytes[15] === 1) {
    return '::1'
  }
  const groups: string[] = []
  for (let index = 0; index < 16; index += 2) {
    groups.push((((bytes[index] ?? 0) << 8) | (bytes[index + 1] ?? 0)).toString(16))
  }
  return groups.join(':')
}
