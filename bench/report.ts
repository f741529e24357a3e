import { writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { join } from 'node:path'
import type { Summary } from './stats.ts'

/** One measured quantity, with its target when it has one. */
export interface Measurement {
  name: string
  unit: string
  summary: Summary
  target?: { op: '<=' | '>='; value: number; of: 'p50' }
}

export interface Section {
  title: string
  description: string
  measurements: Measurement[]
}

export function meetsTarget (measurement: Measurement): boolean | undefined {
  if (measurement.target === undefined) {
    return undefined
  }
  const value = measurement.summary[measurement.target.of]
  return measurement.target.op === '<=' ? value <= measurement.target.value : value >= measurement.target.value
}

function format (value: number): string {
  return Number.isFinite(value) ? value.toFixed(value < 10 ? 2 : 1) : '—'
}

/** Writes docs/benchmarks.md (for people) and docs/benchmarks.json (for machines). */
export async function writeReport (root: string, sections: Section[]): Promise<void> {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`
  const when = new Date().toISOString()
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` on ${when} (${machine}). Real processes, real Chromium, real libp2p`,
    'connections, in a private network namespace. Machines here are shared and noisy: compare numbers',
    'measured side by side in one run, not across runs.',
    ''
  ]
  for (const section of sections) {
    lines.push(`## ${section.title}`, '', section.description, '',
      '| measurement | p50 | p90 | min | max | samples | target | met |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |')
    for (const measurement of section.measurements) {
      const { summary, target } = measurement
      const met = meetsTarget(measurement)
      lines.push(`| ${measurement.name} (${measurement.unit}) | ${format(summary.p50)} | ${format(summary.p90)} | ${format(summary.min)} | ${format(summary.max)} | ${summary.samples} | ${target === undefined ? '' : `${target.of} ${target.op} ${target.value}`} | ${met === undefined ? '' : met ? 'yes' : '**no**'} |`)
    }
    lines.push('')
  }
  await writeFile(join(root, 'docs/benchmarks.md'), lines.join('\n'))
  await writeFile(join(root, 'docs/benchmarks.json'), JSON.stringify({ writtenAt: when, machine, sections }, null, 2) + '\n')
}
