import { expect, test } from '@playwright/test'
import { ByteBudget } from './byte-budget.ts'

const budget = (): ByteBudget => new ByteBudget({
  request: { perSecond: 100, burst: 400, overBudget: 'reset' },
  bulk: { perSecond: 1000, burst: 1000, overBudget: 'throttle' }
})

test('a reset protocol refuses what does not fit, without taking it, and refills at its rate', () => {
  const bytes = budget()
  expect(bytes.take('peer', 'request', 300, 0)).toBe(0)
  expect(bytes.take('peer', 'request', 200, 0)).toBe(Number.POSITIVE_INFINITY)
  // The refused 200 were not taken: 100 are left.
  expect(bytes.take('peer', 'request', 100, 0)).toBe(0)
  expect(bytes.take('peer', 'request', 100, 500)).toBe(Number.POSITIVE_INFINITY)
  expect(bytes.take('peer', 'request', 100, 1000)).toBe(0)
  const refused = bytes.metrics('shoal_test').find((metric) => metric.labels?.protocol === 'request')
  expect(refused).toMatchObject({ name: 'shoal_test_stream_bytes_refused_total', value: 2 })
})

test('a throttle protocol takes everything and says how long the debt takes to pay off', () => {
  const bytes = budget()
  expect(bytes.take('peer', 'bulk', 1000, 0)).toBe(0)
  expect(bytes.take('peer', 'bulk', 500, 0)).toBe(500)
  // Half a second later the debt is paid: the next bytes wait for themselves only.
  expect(bytes.take('peer', 'bulk', 250, 500)).toBe(250)
  const throttled = bytes.metrics('shoal_test').find((metric) => metric.labels?.protocol === 'bulk')
  expect(throttled).toMatchObject({ name: 'shoal_test_stream_bytes_throttled_total', value: 2 })
})

test('peers and protocols have buckets of their own; unknown protocols are not metered', () => {
  const bytes = budget()
  expect(bytes.take('a', 'request', 400, 0)).toBe(0)
  expect(bytes.take('b', 'request', 400, 0)).toBe(0)
  expect(bytes.take('a', 'bulk', 1000, 0)).toBe(0)
  expect(bytes.take('a', 'other', 1e9, 0)).toBe(0)
})
