import { lpStream, streamPair } from '@libp2p/utils'
import { expect, test } from '@playwright/test'
import { MAX_PROBE_BYTES } from '#protocol'
import { handleProbeStream } from './probe-handler.ts'
import type { ProbeStats } from './probe-handler.ts'

test('echoes every probe on one stream and closes when the prober does', async () => {
  const [prober, verifier] = await streamPair()
  const stats: ProbeStats = { openStreams: 0, messages: 0 }
  const handled = handleProbeStream(verifier, { stats })
  const probes = lpStream(prober)
  for (const text of ['one', 'two', 'x'.repeat(MAX_PROBE_BYTES)]) {
    const bytes = new TextEncoder().encode(text)
    await probes.write(bytes)
    expect((await probes.read()).subarray()).toEqual(bytes)
  }
  expect(stats).toEqual({ openStreams: 1, messages: 3 })
  await prober.close()
  await handled
  expect(stats.openStreams).toBe(0)
  expect(verifier.status).not.toBe('aborted')
})

test('an oversized probe aborts the stream instead of being buffered', async () => {
  const [prober, verifier] = await streamPair()
  const handled = handleProbeStream(verifier)
  await lpStream(prober).write(new Uint8Array(MAX_PROBE_BYTES + 1))
  await expect(handled).resolves.toBeUndefined()
  expect(verifier.status).toBe('aborted')
})

test('a silent prober is dropped after the idle timeout', async () => {
  const [, verifier] = await streamPair()
  await handleProbeStream(verifier, { idleTimeoutMs: 50 })
  expect(verifier.status).toBe('aborted')
})
