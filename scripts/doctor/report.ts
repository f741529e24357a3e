/**
 * What the doctor found, check by check, in words: each check passed,
 * failed (with what is wrong and what to do) or was skipped (it needs one
 * that failed).
 */

export type Outcome = 'passed' | 'failed' | 'skipped'

export interface CheckResult {
  /** What was checked, e.g. "TURN turn:turn.example.org:3478". */
  name: string
  outcome: Outcome
  /** What was found: facts when it passed, what is wrong and what would fix it when it failed. */
  detail: string
}

const MARKS: Record<Outcome, string> = { passed: '✓', failed: '✗', skipped: '–' }

/** One line per check, then a summary line. */
export function formatReport (target: string, results: readonly CheckResult[]): string {
  const lines = [`Shoal doctor: ${target}`, '']
  for (const result of results) {
    lines.push(`  ${MARKS[result.outcome]} ${result.name}: ${result.detail}`)
  }
  const failed = results.filter((result) => result.outcome === 'failed').length
  const skipped = results.filter((result) => result.outcome === 'skipped').length
  lines.push('')
  lines.push(failed === 0
    ? `All ${results.length} checks passed.`
    : `${failed} of ${results.length} checks failed${skipped > 0 ? `, ${skipped} skipped` : ''}.`)
  return `${lines.join('\n')}\n`
}

export function passed (name: string, detail: string): CheckResult {
  return { name, outcome: 'passed', detail }
}

export function failed (name: string, detail: string): CheckResult {
  return { name, outcome: 'failed', detail }
}

export function skipped (name: string, needs: string): CheckResult {
  return { name, outcome: 'skipped', detail: `needs ${needs}` }
}

/** An error's message, with the cause Node's fetch hides behind "fetch failed". */
export function describeError (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const cause = err.cause instanceof Error ? err.cause : undefined
  const code = cause !== undefined && 'code' in cause ? String(cause.code) : undefined
  if (cause !== undefined) return `${cause.message}${code !== undefined && !cause.message.includes(code) ? ` (${code})` : ''}`
  return err.message
}
