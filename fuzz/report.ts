import { cpus } from 'node:os'
import type { FuzzTarget } from './fuzz-target.ts'
import type { FuzzRunResult } from './run-target.ts'

/** Where the written results start in docs/fuzzing.md; the prose above it is kept. */
export const LAST_RUN_MARKER = '<!-- last-run: written by `npm run fuzz -- --report docs/fuzzing.md`; do not edit below -->'

/** `document` with everything from the marker on replaced by `section`. */
export function withLastRun (document: string, section: string): string {
  const at = document.indexOf(LAST_RUN_MARKER)
  const kept = at === -1 ? document : document.slice(0, at)
  return `${kept}${kept === '' || kept.endsWith('\n') ? '' : '\n'}${LAST_RUN_MARKER}\n${section}`
}

/** The results of one `npm run fuzz` as Markdown, for docs/fuzzing.md. */
export function formatReport (results: readonly FuzzRunResult[], run: { seed: number, chosen: readonly FuzzTarget[] }): string {
  const rows = results.map((result) => {
    const target = run.chosen.find((candidate) => candidate.name === result.target)
    const refused = Object.entries(result.refused).map(([name, count]) => `${name} ${count}`).join(', ')
    return `| \`${result.target}\` | ${target?.reads ?? ''} | ${result.runs} | ${result.accepted} | ${refused === '' ? '0' : refused} | ${result.slowestCpuMs.toFixed(1)} | ${(result.largestGrowthBytes / 2 ** 20).toFixed(1)} | ${result.failure == null ? 'none' : `**${result.failure.problem}**`} |`
  })
  return [
    '## Last long run',
    '',
    `${new Date().toISOString().slice(0, 10)}, seed ${run.seed}, Node ${process.versions.node}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}).`,
    '',
    '| Target | Reads | Inputs | Accepted | Refused (by error) | Costliest input (CPU ms) | Largest memory growth (MiB) | Failures |',
    '|---|---|---:|---:|---|---:|---:|---|',
    ...rows,
    ''
  ].join('\n')
}
