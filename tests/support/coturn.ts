import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { waitFor } from './processes.ts'

/**
 * coturn (Debian's `turnserver`) for tests: STUN and TURN on one UDP port
 * of `address`, with coturn's `use-auth-secret` REST credentials from
 * `secret`, as docs/internet.md runs it beside a relay.
 */

export interface CoturnInit {
  address: string
  port: number
  /** coturn's static-auth-secret: the relay mints credentials from the same one. */
  secret: string
  /** For its pid file. */
  directory: string
}

export interface CoturnProcess {
  output: () => string
  stop: () => Promise<void>
  /** Kills it at once (SIGKILL), as a crash or a pulled cable would: no goodbye to its clients. */
  kill: () => Promise<void>
}

export async function startCoturn ({ address, port, secret, directory }: CoturnInit): Promise<CoturnProcess> {
  const child = spawn('turnserver', [
    '-n', // no config file: everything is on this line
    `--listening-ip=${address}`,
    `--relay-ip=${address}`,
    `--listening-port=${port}`,
    '--use-auth-secret',
    `--static-auth-secret=${secret}`,
    '--realm=shoal.test',
    '--fingerprint',
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--log-file=stdout',
    '--simple-log',
    '--verbose',
    `--pidfile=${join(directory, 'turnserver.pid')}`
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve() }) })
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    }
  }
  try {
    await waitFor('coturn to listen', () => {
      if (child.exitCode !== null) {
        throw new Error(`turnserver exited with ${child.exitCode}: ${output}`)
      }
      return output.includes(`UDP listener opened on : ${address}:${port}`) || /Total General servers/.test(output) ? true : undefined
    }, 10_000)
  } catch (err) {
    await stop()
    throw err
  }
  return { output: () => output, stop, kill }
}
