import { expect, test } from '@playwright/test'
import { DelayLine, linkDelayLabel } from './link-delay.ts'

/** Resolves once `check` holds, polling each event-loop turn, or fails after `timeoutMs`. */
async function until (check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!check()) {
    if (performance.now() > deadline) {
      throw new Error('timed out')
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
}

test('without a delay, items are delivered at once, synchronously', () => {
  const delivered: number[] = []
  const line = new DelayLine<number>(0, (item) => { delivered.push(item) })
  line.push(1)
  line.push(2)
  expect(delivered).toEqual([1, 2])
  expect(line.held).toBe(0)
})

test('each item is released its delay after it was pushed, in order, pipelined', async () => {
  const delivered: Array<{ item: number, at: number }> = []
  const line = new DelayLine<number>(40, (item) => { delivered.push({ item, at: performance.now() }) })
  const pushedAt: number[] = []
  for (let item = 0; item < 5; item++) {
    pushedAt.push(performance.now())
    line.push(item)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  expect(delivered.length).toBeLessThan(5)
  await until(() => delivered.length === 5)
  expect(delivered.map((entry) => entry.item)).toEqual([0, 1, 2, 3, 4])
  for (const [index, entry] of delivered.entries()) {
    // Never early; each waits its own delay, not the ones before it (a latency, not a bandwidth limit).
    expect(entry.at - (pushedAt[index] ?? 0)).toBeGreaterThanOrEqual(39)
  }
  const spread = (delivered.at(-1)?.at ?? 0) - (delivered[0]?.at ?? 0)
  expect(spread).toBeLessThan(40 + 5 * 5)
})

test('a fake clock: nothing before the deadline, everything due at it', async () => {
  let now = 1_000
  const delivered: string[] = []
  const line = new DelayLine<string>(10, (item) => { delivered.push(item) }, { now: () => now })
  line.push('a')
  now = 1_005
  line.push('b')
  expect(line.held).toBe(2)
  now = 1_010
  await until(() => delivered.length === 1)
  expect(delivered).toEqual(['a'])
  now = 1_015
  await until(() => delivered.length === 2)
  expect(delivered).toEqual(['a', 'b'])
})

test('flush delivers what is held at once; close drops it and ignores later pushes', () => {
  const delivered: number[] = []
  const line = new DelayLine<number>(10_000, (item) => { delivered.push(item) })
  line.push(1)
  line.push(2)
  line.flush()
  expect(delivered).toEqual([1, 2])
  line.push(3)
  line.close()
  line.push(4)
  expect(line.held).toBe(0)
  expect(delivered).toEqual([1, 2])
})

test('a negative or non-finite delay is refused; the label says it is emulated', () => {
  expect(() => new DelayLine<number>(-1, () => {})).toThrow(RangeError)
  expect(() => new DelayLine<number>(Number.NaN, () => {})).toThrow(RangeError)
  expect(linkDelayLabel(20)).toContain('20 ms round trip')
  expect(linkDelayLabel(20)).toContain('emulated')
})
