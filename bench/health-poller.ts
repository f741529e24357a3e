/**
 * A child process of the verifier flood benchmark: fetches `<url>/health`
 * every `<interval>` ms, each on a new connection (as a monitor would), and
 * on SIGTERM prints each check's start (ms after `ready`) and latency as one
 * JSON line (`{"checks":[{"at":12,"ms":3.1},…]}`) and exits. A process of its own, so the latency measured is the server's,
 * not the event loop of the process that floods it.
 *
 *   tsx bench/health-poller.ts <base-url> <interval-ms>
 */
import { get } from 'node:http'

const [baseUrl, intervalText] = process.argv.slice(2)
const interval = Number(intervalText)
if (baseUrl === undefined || !URL.canParse(baseUrl) || !Number.isFinite(interval) || interval <= 0) {
  console.error('usage: health-poller.ts <base-url> <interval-ms>')
  process.exit(2)
}
const url = new URL('/health', baseUrl)
const checks: Array<{ at: number, ms: number }> = []
let readyAt = 0
let polling = true

async function checkOnce (): Promise<void> {
  const started = performance.now()
  await new Promise<void>((resolve, reject) => {
    get(url, { agent: false, headers: { Connection: 'close' } }, (response) => {
      response.resume()
      response.on('end', () => { resolve() })
      response.on('error', reject)
    }).on('error', reject)
  })
  checks.push({ at: started - readyAt, ms: performance.now() - started })
}

process.on('SIGTERM', () => {
  polling = false
  process.stdout.write(`${JSON.stringify({ checks })}\n`, () => { process.exit(0) })
})
// Ready: the parent starts flooding once it reads this.
readyAt = performance.now()
process.stdout.write('ready\n')
while (polling) {
  await checkOnce().catch((err: unknown) => { console.error(`health check failed: ${err instanceof Error ? err.message : String(err)}`) })
  await new Promise((resolve) => setTimeout(resolve, interval))
}
