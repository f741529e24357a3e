/**
 * The short fuzzing run inside `npm test`: every in-process reader of outside
 * bytes gets 1,000 fuzzed inputs with a fixed seed (so a failure here replays
 * exactly), and must accept or refuse each by name, quickly, in bounded
 * memory. The long run with random seeds is `npm run fuzz` (docs/fuzzing.md).
 */
import { expect, test } from '@playwright/test'
import { describeInput, runFuzzTarget } from '../../fuzz/run-target.ts'
import { FUZZ_TARGETS } from '../../fuzz/targets/index.ts'
import { fuzzTarget } from '../../fuzz/fuzz-target.ts'
import { bytesFrom } from '../../fuzz/byte-inputs.ts'
import { LAST_RUN_MARKER, formatReport, fuzzingSection, withLastRun } from '../../fuzz/report.ts'
import type { FuzzRunResult } from '../../fuzz/run-target.ts'

const SHORT_RUNS = 1000
const SEED = 20_261_202

for (const target of FUZZ_TARGETS) {
  test(`fuzz ${target.name}: ${SHORT_RUNS} inputs, each accepted or refused by name`, async () => {
    const result = await runFuzzTarget(target, { runs: SHORT_RUNS, seed: SEED })
    expect(result.failure, `${result.failure?.problem ?? ''}\ninput: ${result.failure?.input ?? ''}\nreplay: npm run fuzz -- --target ${target.name} --seed ${SEED}`).toBeUndefined()
    expect(result.runs).toBe(SHORT_RUNS)
    // Inputs that reach past the first check: some seeds survive, most mutations are refused.
    expect(result.accepted).toBeGreaterThan(0)
    expect(Object.values(result.refused).reduce((total, count) => total + count, 0)).toBeGreaterThan(SHORT_RUNS / 4)
  })
}

test('the fuzzer catches a reader that crashes, and shrinks the input that crashed it to a small one', async () => {
  // A reader with a planted bug: a TypeError on any input that holds byte 0xff.
  const broken = fuzzTarget({
    name: 'broken',
    reads: 'nothing',
    inputs: bytesFrom([new Uint8Array([1, 2, 3, 4])]),
    read: (bytes: Uint8Array) => {
      if (bytes.includes(0xff)) {
        throw new TypeError('planted bug')
      }
      if (bytes.length > 4) {
        throw Object.assign(new Error('too long'), { name: 'TooLongError' })
      }
    },
    refusals: ['TooLongError']
  })
  const result = await runFuzzTarget(broken, { runs: 2000, seed: SEED })
  expect(result.failure?.problem).toContain('threw TypeError, not a refusal (TooLongError): planted bug')
  // Shrunk to a single edit of the 4-byte seed (or smaller), so the byte that matters stands out.
  expect(result.failure?.input).toMatch(/^bytes\([1-4]\) (..)*ff/)
})

test('the fuzzer catches a reader that allocates without bound', async () => {
  const greedy = fuzzTarget({
    name: 'greedy',
    reads: 'nothing',
    inputs: bytesFrom([new Uint8Array([1, 2, 3])]),
    // A decoder that trusts a length it read: allocates byte[0] MiB.
    read: (bytes: Uint8Array) => new Uint8Array((bytes[0] ?? 0) * 2 ** 20).fill(1),
    refusals: []
  })
  const result = await runFuzzTarget(greedy, { runs: 500, seed: SEED, maxBytesPerInput: 32 * 2 ** 20 })
  expect(result.failure?.problem).toMatch(/grew memory by \d+ MiB \(more than 32 MiB\)/)
})

test('failing inputs are described so a person can read them', () => {
  expect(describeInput(new Uint8Array([0, 255]))).toBe('bytes(2) 00ff')
  expect(describeInput({ a: 1 })).toBe('{"a":1}')
  const circular: unknown[] = []
  circular.push(circular)
  expect(describeInput(circular)).toBe('')
})

test('a long run\'s report replaces only the results section of docs/fuzzing.md', () => {
  const first = withLastRun('# Fuzzing\n\nprose\n', 'run 1\n')
  expect(first).toBe(`# Fuzzing\n\nprose\n${LAST_RUN_MARKER}\nrun 1\n`)
  expect(withLastRun(first, 'run 2\n')).toBe(`# Fuzzing\n\nprose\n${LAST_RUN_MARKER}\nrun 2\n`)
  expect(withLastRun('', 'run 1\n')).toBe(`${LAST_RUN_MARKER}\nrun 1\n`)
})

function fakeResult (target: string, runs: number, extra: Partial<FuzzRunResult> = {}): FuzzRunResult {
  return { target, runs, seed: 1, accepted: 10, refused: { MalformedMessageError: runs - 10 }, slowestCpuMs: 1, largestGrowthBytes: 0, elapsedMs: 1, interrupted: false, ...extra }
}

test('a partial long run (--target) keeps the other targets\' rows, each naming its run, in docs/fuzzing.md and docs/benchmarks.md', () => {
  const chosen = [fuzzTarget({ name: 'a', reads: 'A', inputs: bytesFrom([new Uint8Array([1])]), read: () => {}, refusals: [] })]
  const order = ['a', 'b']
  const first = withLastRun('', formatReport([fakeResult('a', 100), fakeResult('b', 200)], { seed: 7, date: '2026-12-01', chosen, order }))
  const second = formatReport([fakeResult('a', 300, { interrupted: true })], { seed: 8, date: '2026-12-04', chosen, order }, first)
  expect(second).toContain('| `a` | A | 300 (time limit) | 10 |')
  expect(second).toMatch(/\| `b` \|.*\| 200 \|.*\| 2026-12-01, seed 7 \|$/m)
  expect(second.indexOf('`a`')).toBeLessThan(second.indexOf('`b`'))

  const earlier = fuzzingSection([fakeResult('a', 100), fakeResult('b', 100_000)], { seed: 7, date: '2026-12-01', chosen, order })
  const section = fuzzingSection([fakeResult('a', 300, { failure: { input: 'x', problem: 'threw TypeError', replayPath: '0' } })], { seed: 8, date: '2026-12-04', chosen, order }, earlier)
  expect(section.table?.rows.map((row) => [row[0], row[1], row.at(-1)])).toEqual([['`a`', '300', '2026-12-04, seed 8'], ['`b`', '100000', '2026-12-01, seed 7']])
  const value = (name: string): number | undefined => section.measurements.find((measurement) => measurement.name === name)?.summary.p50
  expect(value('a: failures')).toBe(1)
  expect(value('b: failures')).toBe(0)
  expect(value('b: inputs tried')).toBe(100_000)
  expect(section.measurements.find((measurement) => measurement.name === 'a: failures')?.target).toEqual({ op: '<=', value: 0, of: 'p50' })
})
