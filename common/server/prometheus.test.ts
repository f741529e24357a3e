import { expect, test } from '@playwright/test'
import { processMetrics, renderPrometheus } from './prometheus.ts'

test('renders HELP and TYPE once per metric name, then samples', () => {
  const text = renderPrometheus([
    { name: 'shoal_x', help: 'An x.', type: 'gauge', value: 3 },
    { name: 'shoal_requests_total', help: 'Requests.', type: 'counter', value: 1, labels: { path: '/a' } },
    { name: 'shoal_requests_total', help: 'Requests.', type: 'counter', value: 2, labels: { path: '/b"\\\n' } }
  ])
  expect(text).toBe([
    '# HELP shoal_x An x.',
    '# TYPE shoal_x gauge',
    'shoal_x 3',
    '# HELP shoal_requests_total Requests.',
    '# TYPE shoal_requests_total counter',
    'shoal_requests_total{path="/a"} 1',
    'shoal_requests_total{path="/b\\"\\\\\\n"} 2',
    ''
  ].join('\n'))
})

test('non-finite values use the exposition format spelling', () => {
  expect(renderPrometheus([{ name: 'a', help: 'a', type: 'gauge', value: Number.POSITIVE_INFINITY }])).toContain('a +Inf\n')
  expect(renderPrometheus([{ name: 'a', help: 'a', type: 'gauge', value: Number.NaN }])).toContain('a NaN\n')
})

test('invalid metric names are refused', () => {
  expect(() => renderPrometheus([{ name: 'bad-name', help: '', type: 'gauge', value: 1 }])).toThrow(RangeError)
})

test('process metrics report uptime in whole seconds', () => {
  const uptime = processMetrics('shoal_test', 1_000, 62_500).find((metric) => metric.name === 'shoal_test_uptime_seconds')
  expect(uptime?.value).toBe(61)
})
