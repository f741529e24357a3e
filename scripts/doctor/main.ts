/**
 * `npm run doctor -- <relay URL>`: checks a Shoal deployment from outside,
 * as a page and a verifier would meet it, and says in words what is wrong:
 * the relay answers; its TLS certificate is trusted (https); the app is
 * served; its bootstrap hands out STUN/TURN servers that work (a TURN
 * allocation with the credentials it minted); the mesh can be joined over
 * its WebSocket (wss); verifiers announce themselves and can be reached
 * through the relay. Exits 0 when every check passed, 1 otherwise.
 *
 * @example
 * ```console
 * $ npm run doctor -- https://shoal.example.org
 * ```
 */
import { checkApp, checkBootstrap, checkRelayHealth, checkTls } from './http-checks.ts'
import { checkIceServers } from './ice-checks.ts'
import { checkMesh } from './mesh-checks.ts'
import { formatReport, skipped } from './report.ts'
import type { CheckResult } from './report.ts'

const USAGE = `usage: npm run doctor -- <relay URL>

Checks a Shoal deployment from outside: the relay, its TLS certificate, the app,
STUN/TURN, the mesh over WebSocket, and the verifiers. Run it from another
network than the relay's to see what a visitor sees.
`

const argument = process.argv[2]
if (argument === undefined || argument === '--help' || argument === '-h') {
  process.stdout.write(USAGE)
  process.exit(argument === undefined ? 2 : 0)
}
if (!/^https?:\/\//i.test(argument) || !URL.canParse(argument)) {
  process.stderr.write(`shoal doctor: error: ${JSON.stringify(argument)} is not an http(s) URL\n${USAGE}`)
  process.exit(2)
}
const origin = new URL(argument).origin

const results: CheckResult[] = []
const health = await checkRelayHealth(origin)
results.push(health)
if (new URL(origin).protocol === 'https:') results.push(await checkTls(origin))
if (health.outcome === 'passed') {
  results.push(await checkApp(origin))
  const { result, bootstrap } = await checkBootstrap(origin)
  results.push(result)
  if (bootstrap !== undefined) {
    results.push(...await checkIceServers(bootstrap.iceServers ?? []))
    results.push(...await checkMesh(origin, bootstrap))
  } else {
    results.push(skipped('the mesh', 'the bootstrap'))
  }
} else {
  results.push(skipped('the app, STUN/TURN and the mesh', 'a relay that answers'))
}
process.stdout.write(formatReport(origin, results))
process.exit(results.some((check) => check.outcome === 'failed') ? 1 : 0)
