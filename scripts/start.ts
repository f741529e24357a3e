/**
 * `npm start`: the whole mesh on this machine. Checks its ports are free,
 * builds the app when the build is missing or older than its sources, puts
 * every demo model the app offers (the story pair in demo-models/) where the
 * relay serves them, starts the relay (which serves the app)
 * and a verifier, and prints one block: what runs where, which model, what
 * to open, how to stop. SIGINT/SIGTERM stop both servers; it exits once they
 * have.
 *
 * The build's and the servers' output goes to `.shoal/start.log`; their
 * warnings and errors are shown too. `npm start -- --verbose` shows it all.
 *
 * Environment: SHOAL_RELAY_PORT (8080), SHOAL_API_PORT (8081),
 * SHOAL_RELAY_HOST (127.0.0.1), SHOAL_APP_DIR (a build to serve as it is,
 * never rebuilt), and everything the relay and gpu-node read themselves
 * (SHOAL_MODEL, SHOAL_MODEL_CACHE, ...).
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import type { WriteStream } from 'node:fs'
import { createWriteStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { DEMO_GGUF_MODELS } from '../src/lib/inference/model-catalog.ts'
import { demoModelCacheDir } from '../gpu-node/src/model/demo-models.ts'
import { ensureStoriesModel, STORIES_MODEL_ROLES, storiesModelFileName } from '../gpu-node/src/model/stories-models.ts'
import { describePortHolder, portProblem } from './port-holder.ts'

const root = resolve(import.meta.dirname, '..')
const env = process.env
const verbose = process.argv.slice(2).includes('--verbose')
const relayPort = Number(env.SHOAL_RELAY_PORT ?? 8080)
const apiPort = Number(env.SHOAL_API_PORT ?? 8081)
const relayHost = env.SHOAL_RELAY_HOST ?? '127.0.0.1'
const apiHost = env.SHOAL_API_HOST ?? '127.0.0.1'
const logPath = join(root, '.shoal/start.log')

/** The URL this machine reaches a server at: `localhost` (a secure origin) unless it binds one address. */
function localUrl (host: string, port: number): string {
  return `http://${['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(host) ? 'localhost' : host}:${port}`
}
const relayUrl = localUrl(relayHost, relayPort)
const apiUrl = localUrl(apiHost, apiPort)

class StartError extends Error {}

// ---- children, and stopping them ----

let stopping = false
const children = new Set<ChildProcess>()
/** Opened once the ports are ours: a start that is refused must not wipe the running one's log. */
let log: WriteStream | undefined
/** Lines of a crashed child's output shown when it printed no error line of its own. */
const CRASH_LINES = 12

/**
 * Its own process group, so a terminal's Ctrl-C reaches only this script,
 * which stops each child once, with SIGTERM: a second signal would make the
 * servers exit at once instead of cleanly.
 */
function run (name: string, args: string[], options: { finishes?: boolean } = {}): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: root, detached: true, stdio: ['ignore', verbose ? 'inherit' : 'pipe', verbose ? 'inherit' : 'pipe'] })
  children.add(child)
  const lines: string[] = []
  let shownError = false
  for (const [stream, isError] of [[child.stdout, false], [child.stderr, true]] as const) {
    if (stream == null) {
      continue
    }
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      log?.write(`[${name}] ${line}\n`)
      lines.push(line)
      lines.splice(0, lines.length - CRASH_LINES)
      // Problems always show; a download's progress too, or a first start with SHOAL_MODEL looks hung.
      if (isError && /^(shoal-[\w-]+: (error|warning): |Downloading )/.test(line)) {
        shownError ||= line.includes(': error: ')
        console.error(line)
      }
    })
  }
  // 'close', not 'exit': its last lines are read by then.
  child.once('close', (code, signal) => {
    children.delete(child)
    // Servers run until stopped; the build finishes, and fails only with an exit code.
    if (!stopping && (options.finishes !== true || code !== 0)) {
      // A crash (a stack trace, not one error line) must not hide in the log file.
      if (!shownError && !verbose) {
        console.error(lines.map((line) => `  ${line}`).join('\n'))
      }
      fail(`the ${name} exited (${signal ?? `code ${code}`})${verbose ? '' : `; its output is in ${relative(root, logPath)}`}`)
    }
    if (stopping && children.size === 0) {
      exit()
    }
  })
  return child
}

/** Exits once the log file has what the children wrote. */
function exit (): void {
  if (log == null) {
    process.exit()
  }
  log.end(() => { process.exit() })
}

function stopAll (code: number): void {
  if (stopping) {
    // npm forwards the terminal's Ctrl-C that reached us already: one stop is enough.
    return
  }
  stopping = true
  process.exitCode = code
  if (children.size === 0) {
    exit()
  }
  for (const child of children) {
    child.kill('SIGTERM')
  }
  // The servers give themselves 5 s to stop cleanly; past that, nothing is left worth waiting for.
  setTimeout(() => {
    for (const child of children) {
      child.kill('SIGKILL')
    }
  }, 10_000).unref()
}

function fail (message: string): void {
  if (!stopping) {
    console.error(`shoal: error: ${message}`)
    stopAll(1)
  }
}

process.on('SIGINT', () => { stopAll(0) })
process.on('SIGTERM', () => { stopAll(0) })
// If whoever started us dies without a signal reaching us (kill -9 of npm), we are reparented: stop too.
const parent = process.ppid
setInterval(() => { if (process.ppid !== parent) stopAll(0) }, 500).unref()

// ---- the steps ----

async function checkPorts (): Promise<void> {
  const ports = [
    { port: relayPort, host: relayHost, what: 'the relay\'s port', variable: 'SHOAL_RELAY_PORT' },
    { port: apiPort, host: apiHost, what: 'the verifier API\'s port', variable: 'SHOAL_API_PORT' }
  ]
  for (const { port, host, what, variable } of ports) {
    const problem = await portProblem(host, port)
    if (problem === 'EADDRINUSE') {
      const holder = describePortHolder(port) ?? 'another process'
      throw new StartError(`port ${port} (${what}) is taken by ${holder}: stop it (an earlier npm start?), or set ${variable} to a free port`)
    }
    if (problem != null) {
      throw new StartError(`cannot listen on ${host}:${port} (${what}): ${problem}; set ${variable} to another port`)
    }
  }
}

function newestChange (path: string): number {
  const stats = statSync(path)
  if (!stats.isDirectory()) {
    return stats.mtimeMs
  }
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestChange(join(path, entry))), stats.mtimeMs)
}

async function buildIfStale (): Promise<void> {
  if (env.SHOAL_APP_DIR != null) {
    // A build the operator points at is served as it is.
    return
  }
  const built = join(root, 'build/index.html')
  const sources = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'package-lock.json'].map((entry) => join(root, entry))
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newestChange))) {
    return
  }
  console.log('Building the app (a minute or two the first time)...')
  const build = run('build', [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', verbose ? 'info' : 'warn'], { finishes: true })
  const code = await new Promise<number | null>((resolveExit) => build.once('close', resolveExit))
  if (code !== 0) {
    // run() has said why; nothing more is to start.
    throw new StartError('the app did not build')
  }
}

/** Every demo model the app offers must be there before the app says it is ready. */
async function ensureOfferedDemoModels (): Promise<void> {
  for (const model of DEMO_GGUF_MODELS) {
    const file = basename(model.url)
    const role = STORIES_MODEL_ROLES.find((candidate) => storiesModelFileName(candidate) === file)
    if (role == null) {
      throw new StartError(`the app offers ${model.url}, which is no model of the demo pair`)
    }
    await ensureStoriesModel(role)
  }
}

async function waitUntilHealthy (url: string, child: ChildProcess): Promise<unknown> {
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline && child.exitCode === null && !stopping) {
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) })
      if (response.ok) {
        return await response.json()
      }
    } catch {
      // not up yet
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 200))
  }
  throw new StartError(`${url} did not become healthy`)
}

function startServer (name: string, entry: string, args: string[]): ChildProcess {
  return run(name, ['--import', 'tsx', join(root, entry), ...args])
}

function readyBlock (model: { name: string, demo: boolean }): string {
  const publicRelay = relayHost === '0.0.0.0' || relayHost === '::'
  const rows: Array<[string, string, string?]> = [
    ['Open', relayUrl, 'the app: chat, /contribute, /network'],
    ['API', `${relayUrl}/v1`, `OpenAI-compatible (Ollama's at /api), answered by the mesh's verifiers; this one's own: ${apiUrl}/v1`],
    ['Model', model.name, model.demo ? 'the built-in demo model, trained on simple children\'s stories: stories, not facts (SHOAL_MODEL sets a real one)' : undefined],
    ...(publicRelay ? [['Network', 'all interfaces', 'the app is reachable from your network'] as [string, string, string]] : []),
    ['Logs', verbose ? 'above' : relative(root, logPath), verbose ? undefined : 'npm start -- --verbose shows them here'],
    ['Stop', 'Ctrl-C']
  ]
  const width = Math.max(...rows.map(([, value]) => value.length))
  const lines = rows.map(([label, value, note]) => `    ${label.padEnd(8)} ${note == null ? value : `${value.padEnd(width)}   ${note}`}`)
  return `\n  Shoal is running.\n\n${lines.join('\n')}\n`
}

try {
  await checkPorts()
  mkdirSync(dirname(logPath), { recursive: true })
  log = verbose ? undefined : createWriteStream(logPath, { flags: 'w' })
  await buildIfStale()
  await ensureOfferedDemoModels()
  const relay = startServer('relay', 'relay/src/main.ts', [
    '--port', String(relayPort),
    '--model-dir', demoModelCacheDir(),
    // So an SDK pointed at the relay's URL is told where the API is.
    ...(env.SHOAL_RELAY_API_URL == null ? ['--api-url', apiUrl] : [])
  ])
  await waitUntilHealthy(relayUrl, relay)
  const verifier = startServer('verifier', 'gpu-node/src/main.ts', ['--api-port', String(apiPort), '--relay', relayUrl])
  const health = await waitUntilHealthy(apiUrl, verifier) as { model: { name: string, demo: boolean } }
  if (!stopping) {
    console.log(readyBlock(health.model))
  }
} catch (err) {
  fail(err instanceof StartError ? err.message : String(err))
}
