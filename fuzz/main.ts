/**
 * `npm run fuzz`: the long fuzzing run. Tries every reader of outside bytes
 * with many inputs (default 100,000 each), reports what each accepted and
 * refused, and exits 1 when any input crashed a reader, hung it, or made it
 * allocate without bound. Each failure is shrunk to a small input and
 * printed with the seed and path that replay it.
 *
 *   npm run fuzz                                  # every target, 100,000 inputs each (HTTP ones too), a random seed
 *   npm run fuzz -- --runs 2000 --seed 7          # a short, reproducible run
 *   npm run fuzz -- --target chat-request --target http-bodies --target gateway-bodies
 *   npm run fuzz -- --http-runs 20000             # fewer inputs for the two HTTP targets, which cross real servers
 *   npm run fuzz -- --minutes-per-target 20      # each target stops after 20 minutes with the inputs tried by then
 *   npm run fuzz -- --report docs/fuzzing.md      # also write the results there and into docs/benchmarks.md/.json
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { writeReport } from '../bench/report.ts'
import type { Section } from '../bench/report.ts'
import { REPO_ROOT } from '../tests/support/processes.ts'
import { gatewayBodiesTarget } from './gateway-bodies.ts'
import { httpBodiesTarget } from './http-bodies.ts'
import { FUZZING_SECTION_TITLE, formatReport, fuzzingSection, withLastRun } from './report.ts'
import { runFuzzTarget } from './run-target.ts'
import type { FuzzRunResult } from './run-target.ts'
import type { FuzzTarget } from './fuzz-target.ts'
import { FUZZ_TARGETS } from './targets/index.ts'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    'http-runs': { type: 'string' },
    seed: { type: 'string' },
    target: { type: 'string', multiple: true },
    report: { type: 'string' },
    'minutes-per-target': { type: 'string' }
  }
})

const runs = Number(values.runs)
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed)
if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) {
  console.error('--runs and --seed take whole numbers, e.g. --runs 100000 --seed 42')
  process.exit(2)
}
// HTTP inputs each cross real servers (one, or a relay and a verifier), so they can be given their own count.
const httpRuns = values['http-runs'] === undefined ? runs : Number(values['http-runs'])
if (!Number.isSafeInteger(httpRuns) || httpRuns < 1) {
  console.error('--http-runs takes a whole number, e.g. --http-runs 100000')
  process.exit(2)
}
const minutesPerTarget = values['minutes-per-target'] === undefined ? undefined : Number(values['minutes-per-target'])
if (minutesPerTarget !== undefined && !(minutesPerTarget > 0)) {
  console.error('--minutes-per-target takes a number of minutes, e.g. --minutes-per-target 20')
  process.exit(2)
}
const HTTP_TARGETS: readonly FuzzTarget[] = [httpBodiesTarget, gatewayBodiesTarget]

const all = [...FUZZ_TARGETS, ...HTTP_TARGETS]
const chosen = values.target === undefined ? all : all.filter((target) => values.target?.includes(target.name))
const unknown = (values.target ?? []).filter((name) => !all.some((target) => target.name === name))
if (unknown.length > 0) {
  console.error(`unknown target ${unknown.join(', ')}; targets: ${all.map((target) => target.name).join(', ')}`)
  process.exit(2)
}

console.log(`fuzzing ${chosen.length} targets, seed ${seed}`)
const results: FuzzRunResult[] = []
for (const target of chosen) {
  const targetRuns = HTTP_TARGETS.includes(target) ? httpRuns : runs
  const result = await runFuzzTarget(target, {
    runs: targetRuns,
    seed,
    ...(minutesPerTarget === undefined ? {} : { maxWallMs: minutesPerTarget * 60_000 }),
    onProgress: (done) => { process.stdout.write(`  ${target.name}: ${done}/${targetRuns}\r`) }
  })
  results.push(result)
  const refused = Object.values(result.refused).reduce((total, count) => total + count, 0)
  console.log(`${result.failure == null ? 'ok  ' : 'FAIL'} ${target.name.padEnd(18)} ${String(result.runs).padStart(7)} inputs: ${result.accepted} accepted, ${refused} refused, costliest ${result.slowestCpuMs.toFixed(1)} ms CPU, ${(result.elapsedMs / 1000).toFixed(1)} s${result.interrupted ? ` (stopped at the ${minutesPerTarget ?? 0}-minute limit)` : ''}`)
  if (result.failure != null) {
    console.log(`     ${result.failure.problem}\n     input: ${result.failure.input}\n     replay: npm run fuzz -- --target ${target.name} --seed ${seed} (path ${result.failure.replayPath})`)
  }
}
if (values.report !== undefined) {
  const run = { seed, date: new Date().toISOString().slice(0, 10), chosen, order: all.map((target) => target.name) }
  const document = await readFile(values.report, 'utf8').catch(() => '')
  await writeFile(values.report, withLastRun(document, formatReport(results, run, document)))
  // The same figures as one section of docs/benchmarks.md and .json; writeReport keeps the other sections.
  await writeReport(REPO_ROOT, [fuzzingSection(results, run, await earlierFuzzingSection())])
  console.log(`wrote the results to ${values.report}, docs/benchmarks.md and docs/benchmarks.json`)
}

/** The fuzzing section of the last docs/benchmarks.json, whose rows a partial run keeps. */
async function earlierFuzzingSection (): Promise<Section | undefined> {
  try {
    const report = JSON.parse(await readFile(join(REPO_ROOT, 'docs/benchmarks.json'), 'utf8')) as { sections?: Section[] }
    return report.sections?.find((section) => section.title === FUZZING_SECTION_TITLE)
  } catch {
    return undefined
  }
}
process.exit(results.some((result) => result.failure != null) ? 1 : 0)
