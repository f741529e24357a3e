/**
 * Before `npm start` starts anything: is each port free, and if not, who
 * holds it? Without this check a leftover relay answered the new start's
 * health check, so it printed "Shoal is running" and then died on EADDRINUSE.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * Binds host:port for a moment. Resolves undefined when it is free, else
 * with why not (the errno code, e.g. `EADDRINUSE`, `EACCES`).
 */
export async function portProblem (host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', (err: NodeJS.ErrnoException) => { resolve(err.code ?? err.message) })
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => { resolve(undefined) })
    })
  })
}

/**
 * The process listening on TCP `port`, as `pid 1234 (node relay/src/main.ts …)`,
 * found through Linux's /proc; undefined elsewhere or when it is not ours to see.
 */
export function describePortHolder (port: number): string | undefined {
  const inodes = listeningInodes(port)
  if (inodes.size === 0) {
    return undefined
  }
  for (const pid of readdirSafe('/proc').filter((entry) => /^\d+$/.test(entry))) {
    for (const fd of readdirSafe(`/proc/${pid}/fd`)) {
      const target = readlinkSafe(`/proc/${pid}/fd/${fd}`)
      const inode = target?.match(/^socket:\[(\d+)\]$/)?.[1]
      if (inode != null && inodes.has(inode)) {
        return `pid ${pid} (${commandOf(pid)})`
      }
    }
  }
  return undefined
}

/** Socket inodes listening on `port`, from /proc/net/tcp and tcp6 (state 0A is LISTEN). */
function listeningInodes (port: number): Set<string> {
  const inodes = new Set<string>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = ''
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      const localPort = Number.parseInt(fields[1]?.split(':')[1] ?? '', 16)
      if (fields[3] === '0A' && localPort === port && fields[9] != null) {
        inodes.add(fields[9])
      }
    }
  }
  return inodes
}

function commandOf (pid: string): string {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((part) => part !== '')
    // The node binary's path and the tsx loader say little; the script and its flags say what it is.
    const shown = command.filter((part, index) => index > 0 || !part.endsWith('/node')).filter((part) => part !== '--import' && part !== 'tsx')
    const text = (shown.length > 0 ? shown : command).join(' ').replace(`${process.cwd()}/`, '')
    return text.length > 80 ? `${text.slice(0, 77)}...` : text
  } catch {
    return 'unknown command'
  }
}

function readdirSafe (path: string): string[] {
  try {
    return readdirSync(path)
  } catch {
    return []
  }
}

function readlinkSafe (path: string): string | undefined {
  try {
    return readlinkSync(path)
  } catch {
    return undefined
  }
}
