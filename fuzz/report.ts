import { cpus } from 'node:os'
import { summarize } from '../bench/stats.ts'
import type { Measurement, Section } from '../bench/report.ts'
import type { FuzzTarget } from './fuzz-target.ts'
import type { FuzzRunResult } from './run-target.ts'

/** Where the written results start in docs/fuzzing.md; the prose above it is kept. */
export const LAST_RUN_MARKER = '<!-- last-run: written by `npm run fuzz -- --report docs/fuzzing.md`; do not edit below -->'

/** The title of the fuzzing section in docs/benchmarks.md and docs/benchmarks.json. */
export const FUZZING_SECTION_TITLE = 'Fuzzing'

/** Inputs the issue asks of every target in the long run; fewer shows as a target not met. */
export const LONG_RUN_INPUTS = 100_000

/** What one long run was: its seed and day, named on each row so a partial run keeps the others' rows honest. */
export interface FuzzRun {
  seed: number
  /** YYYY-MM-DD. */
  date: string
  chosen: readonly FuzzTarget[]
  /** Every target's name in the order the report lists them. */
  order: readonly string[]
}

/** `document` with everything from the marker on replaced by `section`. */
export function withLastRun (document: string, section: string): string {
  const at = document.indexOf(LAST_RUN_MARKER)
  const kept = at === -1 ? document : document.slice(0, at)
  return `${kept}${kept === '' || kept.endsWith('\n') ? '' : '\n'}${LAST_RUN_MARKER}\n${section}`
}

function refusedTotal (result: FuzzRunResult): number {
  return Object.values(result.refused).reduce((total, count) => total + count, 0)
}

/** Inputs tried, and why fewer than asked when a time limit stopped the target. */
function inputsTried (result: FuzzRunResult): string {
  return result.interrupted ? `${result.runs} (time limit)` : String(result.runs)
}

function runLabel (run: { date: string, seed: number }): string {
  return `${run.date}, seed ${run.seed}`
}

/**
 * The rows of an earlier docs/fuzzing.md results table, by target name, each
 * ending with the run it came from (rows written before they named their run
 * take the date and seed of the section's first line).
 */
export function earlierRows (document: string): Map<string, string> {
  const at = document.indexOf(LAST_RUN_MARKER)
  const rows = new Map<string, string>()
  if (at === -1) {
    return rows
  }
  const section = document.slice(at)
  const heading = /^(\d{4}-\d{2}-\d{2}), seed (\d+)/m.exec(section)
  for (const line of section.split('\n')) {
    const match = /^\| `([a-z0-9-]+)` \|/.exec(line)
    if (match?.[1] === undefined) {
      continue
    }
    const cells = line.split(' | ').length
    // Eight cells: the table from before rows named their run.
    rows.set(match[1], cells === 8 && heading !== null ? `${line} ${heading[1]}, seed ${heading[2]} |` : line)
  }
  return rows
}

/**
 * The results of one `npm run fuzz` as Markdown, for docs/fuzzing.md. Targets
 * this run did not try keep their rows from `earlier` (the document as it was).
 */
export function formatReport (results: readonly FuzzRunResult[], run: FuzzRun, earlier = ''): string {
  const kept = earlierRows(earlier)
  const rows = run.order.flatMap((name) => {
    const result = results.find((candidate) => candidate.target === name)
    if (result === undefined) {
      const row = kept.get(name)
      return row === undefined ? [] : [row]
    }
    const target = run.chosen.find((candidate) => candidate.name === result.target)
    const refused = Object.entries(result.refused).map(([error, count]) => `${error} ${count}`).join(', ')
    return [`| \`${result.target}\` | ${target?.reads ?? ''} | ${inputsTried(result)} | ${result.accepted} | ${refused === '' ? '0' : refused} | ${result.slowestCpuMs.toFixed(1)} | ${(result.largestGrowthBytes / 2 ** 20).toFixed(1)} | ${result.failure == null ? 'none' : `**${result.failure.problem}**`} | ${runLabel(run)} |`]
  })
  return [
    '## Last long run',
    '',
    `${runLabel(run)}, Node ${process.versions.node}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}). A row from an earlier run (\`--target\` reruns only some) names its own.`,
    '',
    '| Target | Reads | Inputs | Accepted | Refused (by error) | Costliest input (CPU ms) | Largest memory growth (MiB) | Failures | Run |',
    '|---|---|---:|---:|---|---:|---:|---|---|',
    ...rows,
    ''
  ].join('\n')
}

function single (name: string, unit: string, value: number, target?: Measurement['target']): Measurement {
  return { name, unit, summary: summarize([value]), ...(target === undefined ? {} : { target }) }
}

/**
 * The "Fuzzing" section of docs/benchmarks.md: per target, inputs tried
 * (target ≥ 100,000), accepted, refused and failures (target ≤ 0). Targets
 * this run did not try keep their rows and measurements from `earlier`.
 */
export function fuzzingSection (results: readonly FuzzRunResult[], run: FuzzRun, earlier?: Section): Section {
  const earlierRow = (name: string): string[] | undefined => earlier?.table?.rows.find((row) => row[0] === `\`${name}\``)
  const earlierMeasurements = (name: string): Measurement[] => (earlier?.measurements ?? []).filter((measurement) => measurement.name.startsWith(`${name}: `))
  const rows: string[][] = []
  const measurements: Measurement[] = []
  for (const name of run.order) {
    const result = results.find((candidate) => candidate.target === name)
    if (result === undefined) {
      const row = earlierRow(name)
      if (row !== undefined) {
        rows.push(row)
        measurements.push(...earlierMeasurements(name))
      }
      continue
    }
    const failures = result.failure == null ? 0 : 1
    rows.push([`\`${name}\``, inputsTried(result), String(result.accepted), String(refusedTotal(result)), result.slowestCpuMs.toFixed(1), (result.largestGrowthBytes / 2 ** 20).toFixed(1), String(failures), runLabel(run)])
    measurements.push(
      single(`${name}: inputs tried`, 'inputs', result.runs, { op: '>=', value: LONG_RUN_INPUTS, of: 'p50' }),
      single(`${name}: accepted`, 'inputs', result.accepted),
      single(`${name}: refused by name`, 'inputs', refusedTotal(result)),
      single(`${name}: failures`, 'inputs', failures, { op: '<=', value: 0, of: 'p50' })
    )
  }
  return {
    title: FUZZING_SECTION_TITLE,
    description: 'Every reader of outside bytes (wire messages, receipts, GGUF headers, the HTTP bodies of every route on a gpu-node and through the relay\'s gateway) given fuzzed inputs by `npm run fuzz -- --report docs/fuzzing.md` (how, and what each target reads: docs/fuzzing.md). Accepted or refused by a named error is right; a failure is an input that crashed a reader, hung it (2 s of CPU), grew memory by 64 MiB or, over HTTP, got a 5xx, an error without a JSON body or a broken stream. A failing run stops at its first failure (counted 1), shrinks it and prints it. A row kept from an earlier run (`--target` reruns only some) names its run.',
    table: { columns: ['Target', 'Inputs', 'Accepted', 'Refused', 'Costliest input (CPU ms)', 'Largest memory growth (MiB)', 'Failures', 'Run'], rows },
    measurements
  }
}
