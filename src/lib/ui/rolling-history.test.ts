import { expect, test } from '@playwright/test'
import { RollingHistory } from './rolling-history.ts'

test('series that come later or skip a sample have gaps, aligned with the times', () => {
  const history = new RollingHistory({ windowMs: 60_000, maxSamples: 10 })
  history.push(1000, { a: 1 })
  history.push(2000, { a: 2, b: 20 })
  history.push(3000, { b: 30, a: undefined })
  expect(history.columns()).toEqual({
    times: [1000, 2000, 3000],
    series: [{ key: 'a', values: [1, 2, null] }, { key: 'b', values: [null, 20, 30] }]
  })
})

test('samples older than the window or beyond the count are dropped, and a series with nothing left goes', () => {
  const history = new RollingHistory({ windowMs: 10_000, maxSamples: 3 })
  history.push(0, { gone: 5 })
  history.push(1000, { kept: 1 })
  history.push(2000, { kept: 2 })
  history.push(3000, { kept: 3 })
  // Four samples, three kept: the first (the only one of "gone") is dropped, and "gone" with it.
  expect(history.columns()).toEqual({ times: [1000, 2000, 3000], series: [{ key: 'kept', values: [1, 2, 3] }] })
  history.push(12_500, { kept: 4 })
  expect(history.columns().times).toEqual([3000, 12_500])
  expect(history.size).toBe(2)
})
