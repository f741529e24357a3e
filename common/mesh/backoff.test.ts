import { expect, test } from '@playwright/test'
import { backoffDelay, sleep } from './backoff.ts'

test('delays double from 0.5 s and stop at 10 s', () => {
  const middle = (attempt: number): number => backoffDelay(attempt, { random: () => 0.5 })
  expect([0, 1, 2, 3, 4, 5, 6, 50].map(middle)).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000])
})

test('jitter stays within ±20 %', () => {
  expect(backoffDelay(0, { random: () => 0 })).toBe(400)
  expect(backoffDelay(0, { random: () => 1 })).toBe(600)
  expect(backoffDelay(10, { random: () => 1 })).toBe(12_000)
})

test('sleep rejects with the abort reason', async () => {
  const controller = new AbortController()
  const slept = sleep(60_000, controller.signal)
  controller.abort(new Error('stopping'))
  await expect(slept).rejects.toThrow('stopping')
})
