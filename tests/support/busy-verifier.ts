import { expect } from '@playwright/test'
import { readMetrics } from './metrics.ts'

/**
 * Fills a gpu-node's only sequence (`--capacity 1`) with a long greedy answer
 * over HTTP (~2000 tokens: tens of seconds on the 512x16 demo model), once it
 * is running. Call the returned function to cancel it.
 */
export async function holdVerifierBusy (verifierUrl: string, model: string): Promise<() => void> {
  const answer = new AbortController()
  void fetch(`${verifierUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Keep talking about the harbour.' }], max_tokens: 1900, temperature: 0 }),
    signal: answer.signal
  }).catch(() => undefined)
  await expect.poll(async () => (await readMetrics(verifierUrl)).get('shoal_gpu_node_running'), { timeout: 20_000 }).toBe(1)
  return () => { answer.abort() }
}
