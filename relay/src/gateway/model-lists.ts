/*
 * `/v1/models` and `/api/tags` through the gateway list every model the
 * relay's verifiers serve: each verifier's own list (asked through the
 * tunnel, so names, sizes and digests are its own), merged, one entry per
 * model however many verifiers run it.
 */

/** The paths whose answer is every verifier's, merged. */
export function isModelListPath (path: string): boolean {
  return path === '/v1/models' || path === '/api/tags'
}

/**
 * Merges verifiers' answers to the same list path. Answers that are not
 * the expected shape (an error, say) add nothing.
 */
export function mergeModelLists (path: string, answers: readonly unknown[]): unknown {
  const key = path === '/v1/models' ? 'data' : 'models'
  const idOf = (entry: Record<string, unknown>): unknown => key === 'data' ? entry.id : (entry.name ?? entry.model)
  const seen = new Set<unknown>()
  const merged: unknown[] = []
  for (const answer of answers) {
    const list = answer !== null && typeof answer === 'object' ? (answer as Record<string, unknown>)[key] : undefined
    if (!Array.isArray(list)) {
      continue
    }
    for (const entry of list) {
      if (entry === null || typeof entry !== 'object') {
        continue
      }
      const id = idOf(entry as Record<string, unknown>)
      if (typeof id === 'string' && !seen.has(id)) {
        seen.add(id)
        merged.push(entry)
      }
    }
  }
  return key === 'data' ? { object: 'list', data: merged } : { models: merged }
}
