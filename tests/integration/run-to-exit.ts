import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from '../support/processes.ts'

export interface ExitedProcess {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * Runs `tsx <entry> ...args` to completion (e.g. with bad options), killing it
 * if it is still running after `timeoutMs`.
 */
export async function runToExit (entry: string, args: string[], options: { timeoutMs?: number, env?: NodeJS.ProcessEnv } = {}): Promise<ExitedProcess> {
  const child = spawn(join(REPO_ROOT, 'node_modules/.bin/tsx'), [join(REPO_ROOT, entry), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.once('close', (exitCode, exitSignal) => { resolve([exitCode, exitSignal]) })
  })
  clearTimeout(timer)
  return { code, signal, stdout, stderr }
}
