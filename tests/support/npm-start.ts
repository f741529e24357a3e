/**
 * `npm start` as a newcomer runs it: the real npm, the real script, real
 * servers. Started in a process group of its own; the servers it starts are
 * found by their command lines (they may sit in groups of their own, and an
 * orphan is reparented), so a test can tell whether any is left behind.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { REPO_ROOT, waitFor } from './processes.ts'

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
