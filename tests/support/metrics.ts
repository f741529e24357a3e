/**
 * A Shoal process's Prometheus metrics (`GET /metrics`), as numbers: each
 * series under its name and labels (`name{reason="X"}`), and each name's
 * total over its labels under the bare name.
 */
export async function readMetrics (baseUrl: string): Promise<Map<string, number>> {
  const values = new Map<string, number>()
  for (const line of (await (await fetch(`${baseUrl}/metrics`)).text()).split('\n')) {
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line)
    if (match?.[1] === undefined) {
      continue
    }
    const value = Number(match[3])
    if (match[2] !== undefined) {
      values.set(match[1] + match[2], value)
    }
    values.set(match[1], (values.get(match[1]) ?? 0) + value)
  }
  return values
}
