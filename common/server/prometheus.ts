/** One metric sample in the Prometheus text exposition format. */
export interface Metric {
  /** Metric name, e.g. `shoal_relay_connections`. */
  name: string
  help: string
  type: 'gauge' | 'counter'
  value: number
  labels?: Record<string, string>
}

/** Content type of the Prometheus text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/**
 * Renders metrics as Prometheus text: HELP and TYPE once per name, then one
 * sample per line.
 */
export function renderPrometheus (metrics: readonly Metric[]): string {
  const lines: string[] = []
  const described = new Set<string>()
  for (const metric of metrics) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metric.name)) {
      throw new RangeError(`invalid metric name "${metric.name}"`)
    }
    if (!described.has(metric.name)) {
      described.add(metric.name)
      lines.push(`# HELP ${metric.name} ${metric.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`)
      lines.push(`# TYPE ${metric.name} ${metric.type}`)
    }
    lines.push(`${metric.name}${renderLabels(metric.labels)} ${renderValue(metric.value)}`)
  }
  return `${lines.join('\n')}\n`
}

function renderLabels (labels: Record<string, string> | undefined): string {
  if (labels == null || Object.keys(labels).length === 0) {
    return ''
  }
  const pairs = Object.entries(labels).map(([key, value]) =>
    `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
  return `{${pairs.join(',')}}`
}

function renderValue (value: number): string {
  if (Number.isNaN(value)) {
    return 'NaN'
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? '+Inf' : '-Inf'
  }
  return String(value)
}

/** Metrics every Shoal process reports about itself, with `prefix` e.g. `shoal_relay`. */
export function processMetrics (prefix: string, startedAt: number, now: number = Date.now()): Metric[] {
  const memory = process.memoryUsage()
  const cpu = process.cpuUsage()
  return [
    // All threads of the process (llama.cpp's included), as Prometheus' own client reports it.
    { name: 'process_cpu_seconds_total', help: 'User and system CPU time spent, in seconds.', type: 'counter', value: (cpu.user + cpu.system) / 1e6 },
    { name: `${prefix}_uptime_seconds`, help: 'Seconds since the process started.', type: 'gauge', value: Math.floor((now - startedAt) / 1000) },
    { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', type: 'gauge', value: memory.rss },
    { name: 'nodejs_heap_used_bytes', help: 'V8 heap in use, in bytes.', type: 'gauge', value: memory.heapUsed }
  ]
}
