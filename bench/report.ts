import { readFile, writeFile } from 'node:fs/promises'
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
  /** A table of single values shown before the measurements (e.g. one row per configuration). */
  table?: { columns: string[], rows: string[][] }
  /** When this section was measured (ISO time); set by writeReport. */
  measuredAt?: string
  /** The machine it was measured on (cores, CPU, Node); set by writeReport. */
  machine?: string
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

/**
 * Sections of an earlier report, so a partial run (`npm run bench -- chat`) keeps the others, each
 * with the machine it was measured on (the report's, for sections written before they had their own).
 */
async function earlierSections (path: string): Promise<Section[]> {
  try {
    const report = JSON.parse(await readFile(path, 'utf8')) as { sections?: Section[], machine?: string }
    return Array.isArray(report.sections) ? report.sections.map((section) => ({ ...section, machine: section.machine ?? report.machine })) : []
  } catch {
    return []
  }
}

/**
 * Writes docs/benchmarks.md (for people) and docs/benchmarks.json (for
 * machines). Sections not measured in this run are kept from the last report,
 * each with the time it was measured.
 */
export async function writeReport (root: string, measured: Section[]): Promise<void> {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`
  const when = new Date().toISOString()
  const jsonPath = join(root, 'docs/benchmarks.json')
  const fresh = measured.map((section) => ({ ...section, measuredAt: when, machine }))
  const sections = (await earlierSections(jsonPath))
    .map((earlier) => fresh.find((section) => section.title === earlier.title) ?? earlier)
  sections.push(...fresh.filter((section) => !sections.includes(section)))
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (`npm run bench -- WORD` reruns the sections whose name has WORD and keeps',
    'the others). Real processes, real Chromium, real libp2p connections, in a private network namespace.',
    'Machines here are shared and noisy: compare numbers measured side by side in one run, not across runs',
    'or machines; each section says when and on what it was measured.',
    ''
  ]
  for (const section of sections) {
    lines.push(`## ${section.title}`, '', `Measured ${section.measuredAt ?? 'at an unknown time'}${section.machine === undefined ? '' : ` on ${section.machine}`}. ${section.description}`, '')
    if (section.table !== undefined) {
      lines.push(`| ${section.table.columns.join(' | ')} |`, `| ${section.table.columns.map(() => '---').join(' | ')} |`,
        ...section.table.rows.map((row) => `| ${row.join(' | ')} |`), '')
    }
    lines.push('| measurement | p50 | p90 | min | max | samples | target | met |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |')
    for (const measurement of section.measurements) {
      const { summary, target } = measurement
      const met = meetsTarget(measurement)
      lines.push(`| ${measurement.name} (${measurement.unit}) | ${format(summary.p50)} | ${format(summary.p90)} | ${format(summary.min)} | ${format(summary.max)} | ${summary.samples} | ${target === undefined ? '' : `${target.of} ${target.op} ${target.value}`} | ${met === undefined ? '' : met ? 'yes' : '**no**'} |`)
    }
    lines.push('')
  }
  await writeFile(join(root, 'docs/benchmarks.md'), lines.join('\n'))
  await writeFile(jsonPath, JSON.stringify({ writtenAt: when, machine, sections }, null, 2) + '\n')
}
