import { expect, test } from '@playwright/test'
import { StallWatch } from './stall-watch.ts'

test('a stall is the minimum silence, or many times the longest gap between texts so far', () => {
  const watch = new StallWatch({ minimumMs: 3_000, gapFactor: 10, onStall: () => false })
  expect(watch.stallMs).toBe(3_000)
  watch.text(1_000)
  watch.text(1_040)
  expect(watch.stallMs).toBe(3_000)
  watch.text(1_540)
  expect(watch.stallMs).toBe(5_000)
  watch.stop()
})

test('a stall is reported once text stops; while the answer cannot move it is asked again, and not after it moved', async () => {
  const stalls: number[] = []
  let moved!: () => void
  const done = new Promise<void>((resolve) => { moved = resolve })
  const watch = new StallWatch({
    minimumMs: 30,
    onStall: (silentMs) => {
      stalls.push(silentMs)
      if (stalls.length < 3) return false
      moved()
      return true
    }
  })
  // Nothing is watched before the first text.
  await new Promise((resolve) => setTimeout(resolve, 60))
  expect(stalls).toEqual([])
  watch.text()
  await done
  expect(stalls).toHaveLength(3)
  expect(stalls[0]).toBeGreaterThanOrEqual(29)
  expect(stalls[2]).toBeGreaterThan(stalls[0] ?? 0)
  await new Promise((resolve) => setTimeout(resolve, 90))
  expect(stalls).toHaveLength(3)
})
