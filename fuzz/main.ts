/**
 * `npm run fuzz`: the long fuzzing run. Tries every reader of outside bytes
 * with many inputs (default 100,000 each), reports what each accepted and
 * refused, and exits 1 when any input crashed a reader, hung it, or made it
 * allocate without bound. Each failure is shrunk to a small input and
 * printed with the seed and path that replay it.
 *
 *   npm run fuzz                                  # every target, 100,000 inputs each, a random seed
 *   npm run fuzz -- --runs 2000 --seed 7          # a short, reproducible run
 *   npm run fuzz -- --target chat-request --target http-bodies
 *   npm run fuzz -- --report docs/fuzzing.md      # also write the results as Markdown
 */
import { readFile, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { httpBodiesTarget } from './http-bodies.ts'
import { formatReport, withLastRun } from './report.ts'
import { runFuzzTarget } from './run-target.ts'
import type { FuzzRunResult } from './run-target.ts'
import { FUZZ_TARGETS } from './targets/index.ts'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    'http-runs': { type: 'string' },
    seed: { type: 'string' },
    target: { type: 'string', multiple: true },
    report: { type: 'string' }
  }
})

const runs = Number(values.runs)
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed)
if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) {
  console.error('--runs and --seed take whole numbers, e.g. --runs 100000 --seed 42')
  process.exit(2)
}
// HTTP inputs each cross a real server, so they get their own (smaller) default.
const httpRuns = values['http-runs'] === undefined ? Math.min(runs, 20_000) : Number(values['http-runs'])

const all = [...FUZZ_TARGETS, httpBodiesTarget]
const chosen = values.target === undefined ? all : all.filter((target) => values.target?.includes(target.name))
const unknown = (values.target ?? []).filter((name) => !all.some((target) => target.name === name))
if (unknown.length > 0) {
  console.error(`unknown target ${unknown.join(', ')}; targets: ${all.map((target) => target.name).join(', ')}`)
  process.exit(2)
}

console.log(`fuzzing ${chosen.length} targets, seed ${seed}`)
const results: FuzzRunResult[] = []
for (const target of chosen) {
  const targetRuns = target === httpBodiesTarget ? httpRuns : runs
  const result = await runFuzzTarget(target, {
    runs: targetRuns,
    seed,
    onProgress: (done) => { process.stdout.write(`  ${target.name}: ${done}/${targetRuns}\r`) }
  })
  results.push(result)
  const refused = Object.values(result.refused).reduce((total, count) => total + count, 0)
  console.log(`${result.failure == null ? 'ok  ' : 'FAIL'} ${target.name.padEnd(18)} ${String(result.runs).padStart(7)} inputs: ${result.accepted} accepted, ${refused} refused, costliest ${result.slowestCpuMs.toFixed(1)} ms CPU, ${(result.elapsedMs / 1000).toFixed(1)} s`)
  if (result.failure != null) {
    console.log(`     ${result.failure.problem}\n     input: ${result.failure.input}\n     replay: npm run fuzz -- --target ${target.name} --seed ${seed} (path ${result.failure.replayPath})`)
  }
}
if (values.report !== undefined) {
  await writeFile(values.report, withLastRun(await readFile(values.report, 'utf8').catch(() => ''), formatReport(results, { seed, chosen })))
  console.log(`wrote the results to ${values.report}`)
}
process.exit(results.some((result) => result.failure != null) ? 1 : 0)
