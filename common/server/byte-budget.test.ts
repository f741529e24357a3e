import { expect, test } from '@playwright/test'
import { ByteBudget } from './byte-budget.ts'

const budget = (): ByteBudget => new ByteBudget({
  request: { perSecond: 100, burst: 400, overBudget: 'reset' },
  bulk: { perSecond: 1000, burst: 1000, overBudget: 'throttle' }
})

test('a reset protocol refuses what does not fit, without taking it, and refills at its rate', () => {
  const bytes = budget()
  expect(bytes.take('peer', 'request', 300, 0)).toEqual({ admitted: 300, waitMs: 0 })
  expect(bytes.take('peer', 'request', 200, 0)).toEqual({ admitted: 0, waitMs: Number.POSITIVE_INFINITY })
  // The refused 200 were not taken: 100 are left.
  expect(bytes.take('peer', 'request', 100, 0).admitted).toBe(100)
  expect(bytes.take('peer', 'request', 100, 500).admitted).toBe(0)
  expect(bytes.take('peer', 'request', 100, 1000).admitted).toBe(100)
  const refused = bytes.metrics('shoal_test').find((metric) => metric.labels?.protocol === 'request')
  expect(refused).toMatchObject({ name: 'shoal_test_stream_bytes_refused_total', value: 2 })
})

test('a throttle protocol lets through what its bucket holds and says when the rest fits', () => {
  const bytes = budget()
  expect(bytes.take('peer', 'bulk', 800, 0)).toEqual({ admitted: 800, waitMs: 0 })
  // 200 left: those pass, and the other 300 fit 300 ms later at 1000 bytes per second.
  expect(bytes.take('peer', 'bulk', 500, 0)).toEqual({ admitted: 200, waitMs: 300 })
  expect(bytes.take('peer', 'bulk', 300, 300)).toEqual({ admitted: 300, waitMs: 0 })
  // A slice of the rest is waited for, never more than the burst.
  expect(bytes.take('peer', 'bulk', 5000, 300)).toEqual({ admitted: 0, waitMs: 1000 })
  const throttled = bytes.metrics('shoal_test').find((metric) => metric.labels?.protocol === 'bulk')
  expect(throttled).toMatchObject({ name: 'shoal_test_stream_bytes_throttled_total', value: 2 })
})

test('peers and protocols have buckets of their own; unknown protocols are not metered', () => {
  const bytes = budget()
  expect(bytes.take('a', 'request', 400, 0).admitted).toBe(400)
  expect(bytes.take('b', 'request', 400, 0).admitted).toBe(400)
  expect(bytes.take('a', 'bulk', 1000, 0).admitted).toBe(1000)
  expect(bytes.take('a', 'other', 1e9, 0).admitted).toBe(1e9)
})
