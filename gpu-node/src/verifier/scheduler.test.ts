import { expect, test } from '@playwright/test'
import { CONTRIBUTOR_HEAD_START_MS, MAX_HEAD_START_MS, Scheduler, headStartMs } from './scheduler.ts'
import type { JobInit } from './scheduler.ts'

/** A job whose run waits until the test finishes it. */
interface TestJob {
  init: JobInit<string>
  slot: Promise<string>
  finish: () => void
  queued: Array<{ position: number, etaMs: number }>
  cancelled: boolean
}

function job (clientId: string, options: { maxTokens?: number, signal?: AbortSignal, credit?: number } = {}): TestJob {
  let resolveSlot: (slot: string) => void = () => {}
  let finishRun: () => void = () => {}
  const done = new Promise<void>((resolve) => { finishRun = resolve })
  const created: TestJob = {
    slot: new Promise((resolve) => { resolveSlot = resolve }),
    finish: () => { finishRun() },
    queued: [],
    cancelled: false,
    init: {
      clientId,
      maxTokens: options.maxTokens ?? 100,
      credit: options.credit,
      signal: options.signal,
      run: async (slot) => {
        resolveSlot(slot)
        await done
      },
      onQueued: (position, etaMs) => { created.queued.push({ position, etaMs }) },
      onCancelledWhileQueued: () => { created.cancelled = true }
    }
  }
  return created
}

function scheduler (options: Partial<{ slots: string[], queueSize: number, perClientMaxConcurrent: number, perClientMaxTokens: number, now: () => number }> = {}): Scheduler<string> {
  return new Scheduler({
    slots: options.slots ?? ['a', 'b'],
    queueSize: options.queueSize ?? 2,
    perClientMaxConcurrent: options.perClientMaxConcurrent ?? 10,
    perClientMaxTokens: options.perClientMaxTokens ?? 1000,
    initialTokenMs: 10,
    now: options.now
  })
}

function errorOf (run: () => unknown): Error {
  try {
    run()
  } catch (err) {
    if (err instanceof Error) {
      return err
    }
  }
  throw new Error('expected an error')
}

/** Lets promise callbacks (slot release, dispatch) run. */
async function settle (): Promise<void> {
  for (let index = 0; index < 5; index++) {
    await Promise.resolve()
  }
}

test('jobs take free slots at once, then queue in order and move up as slots free', async () => {
  const queue = scheduler()
  const jobs = ['c1', 'c2', 'c3', 'c4'].map((client) => job(client))
  for (const each of jobs) {
    queue.submit(each.init)
  }
  expect(await jobs[0]?.slot).toBe('a')
  expect(await jobs[1]?.slot).toBe('b')
  expect(queue.queueDepth).toBe(2)
  expect(queue.runningCount).toBe(2)
  expect(jobs[2]?.queued.map((event) => event.position)).toEqual([1])
  expect(jobs[3]?.queued.map((event) => event.position)).toEqual([2])
  // Each of the two running jobs needs ~100 tokens x 10 ms: the first queued starts in ~1 s, the second then too.
  expect(jobs[2]?.queued[0]?.etaMs).toBeGreaterThan(900)
  expect(jobs[3]?.queued[0]?.etaMs).toBeGreaterThan(900)

  jobs[1]?.finish()
  expect(await jobs[2]?.slot).toBe('b')
  await settle()
  expect(queue.queueDepth).toBe(1)
  expect(jobs[3]?.queued.map((event) => event.position)).toEqual([2, 1])

  jobs[0]?.finish()
  expect(await jobs[3]?.slot).toBe('a')
  jobs[2]?.finish()
  jobs[3]?.finish()
  await settle()
  expect(queue.queueDepth).toBe(0)
  expect(queue.runningCount).toBe(0)
})

test('a full queue refuses at once with BusyError and a retry time', () => {
  const queue = scheduler({ slots: ['a'], queueSize: 1 })
  queue.submit(job('c1').init)
  queue.submit(job('c2').init)
  const err = errorOf(() => { queue.submit(job('c3').init) })
  expect(err.name).toBe('BusyError')
  expect('retryAfterSeconds' in err && typeof err.retryAfterSeconds === 'number' && err.retryAfterSeconds >= 1).toBe(true)
  expect(queue.queueDepth).toBe(1)
})

test('checkAdmission refuses exactly what submit would, and takes nothing', () => {
  const queue = scheduler({ slots: ['a'], queueSize: 1, perClientMaxConcurrent: 2, perClientMaxTokens: 500 })
  // Room: the check passes and leaves the slot free for the job.
  queue.checkAdmission({ clientId: 'c1', maxTokens: 100 })
  queue.checkAdmission({ clientId: 'c1', maxTokens: 100 })
  expect(queue.runningCount).toBe(0)
  queue.submit(job('c1').init)
  expect(queue.runningCount).toBe(1)
  expect(errorOf(() => { queue.checkAdmission({ clientId: 'c2', maxTokens: 501 }) }).name).toBe('LimitError')
  queue.checkAdmission({ clientId: 'c2', maxTokens: 100 })
  queue.submit(job('c2').init)
  // The slot and the queue are full now: both refuse with BusyError.
  expect(errorOf(() => { queue.checkAdmission({ clientId: 'c3', maxTokens: 100 }) }).name).toBe('BusyError')
  expect(errorOf(() => { queue.submit(job('c3').init) }).name).toBe('BusyError')
  expect(queue.queueDepth).toBe(1)
})

test('a queue size of 0 means no waiting: busy as soon as every slot is taken', () => {
  const queue = scheduler({ slots: ['a'], queueSize: 0 })
  queue.submit(job('c1').init)
  expect(errorOf(() => { queue.submit(job('c2').init) }).name).toBe('BusyError')
})

test('per-client limits: concurrent requests and tokens per request', async () => {
  const queue = scheduler({ perClientMaxConcurrent: 2, perClientMaxTokens: 500 })
  const first = job('same')
  queue.submit(first.init)
  queue.submit(job('same').init)
  const tooMany = errorOf(() => { queue.submit(job('same').init) })
  expect(tooMany.name).toBe('LimitError')
  expect(tooMany.message).toContain('limit is 2')
  // Others are not affected, and the client may ask again once one finishes.
  queue.submit(job('other').init)
  first.finish()
  await settle()
  queue.submit(job('same').init)
  const tooLong = errorOf(() => { queue.submit(job('third', { maxTokens: 501 }).init) })
  expect(tooLong.name).toBe('LimitError')
  expect(tooLong.message).toContain('500')
})

test('aborting a queued job removes it, tells it, and moves the others up', async () => {
  const queue = scheduler({ slots: ['a'], queueSize: 5 })
  const running = job('c1')
  queue.submit(running.init)
  const controller = new AbortController()
  const leaving = job('c2', { signal: controller.signal })
  const staying = job('c3')
  queue.submit(leaving.init)
  queue.submit(staying.init)
  expect(staying.queued.map((event) => event.position)).toEqual([2])
  controller.abort()
  expect(leaving.cancelled).toBe(true)
  expect(queue.queueDepth).toBe(1)
  expect(staying.queued.map((event) => event.position)).toEqual([2, 1])
  running.finish()
  expect(await staying.slot).toBe('a')
  // The cancelled job's client count was released.
  queue.submit(job('c2').init)
})

test('a job that fails still frees its slot', async () => {
  const queue = scheduler({ slots: ['a'] })
  queue.submit({ ...job('c1').init, run: async () => { throw new Error('boom') } })
  const next = job('c2')
  queue.submit(next.init)
  expect(await next.slot).toBe('a')
})

test('closing cancels queued jobs and refuses new ones', () => {
  const queue = scheduler({ slots: ['a'] })
  queue.submit(job('c1').init)
  const waiting = job('c2')
  queue.submit(waiting.init)
  queue.close()
  expect(waiting.cancelled).toBe(true)
  expect(errorOf(() => { queue.submit(job('c3').init) }).name).toBe('BusyError')
})

test('ETAs follow measured throughput', () => {
  let now = 0
  const queue = scheduler({ slots: ['a'], queueSize: 3, now: () => now })
  queue.recordThroughput(100, 100) // 1 ms per token, mixed with the 10 ms guess
  const tokenMs = queue.tokenMs
  expect(tokenMs).toBeLessThan(10)
  queue.submit(job('c1', { maxTokens: 200 }).init)
  now = 50
  const waiting = job('c2', { maxTokens: 200 })
  queue.submit(waiting.init)
  expect(waiting.queued[0]?.etaMs).toBe(Math.round(200 * tokenMs - 50))
  expect(queue.retryAfterSeconds()).toBe(Math.max(1, Math.ceil((200 * tokenMs - 50) / 1000)))
})

test('contributors are served before consumers who came earlier; more credit goes further ahead', async () => {
  const clock = { now: 0 }
  const queue = scheduler({ slots: ['a'], queueSize: 10, now: () => clock.now })
  const running = job('busy')
  queue.submit(running.init)
  const consumer = job('consumer')
  queue.submit(consumer.init)
  clock.now += 1_000
  const small = job('small-contributor', { credit: 1 })
  queue.submit(small.init)
  clock.now += 1_000
  const big = job('big-contributor', { credit: 1_000 })
  queue.submit(big.init)
  expect(big.queued.at(-1)?.position).toBe(1)
  expect(small.queued.at(-1)?.position).toBe(2)
  expect(consumer.queued.at(-1)?.position).toBe(3)

  const order: string[] = []
  for (const waiting of [consumer, small, big]) {
    void waiting.slot.then(() => { order.push(waiting.init.clientId) })
  }
  running.finish()
  await settle()
  big.finish()
  await settle()
  small.finish()
  await settle()
  expect(order).toEqual(['big-contributor', 'small-contributor', 'consumer'])
  consumer.finish()
})

test('waiting ages a request: a consumer who waited longer than any head start goes before a new contributor', async () => {
  const clock = { now: 0 }
  const queue = scheduler({ slots: ['a'], queueSize: 10, now: () => clock.now })
  const running = job('busy')
  queue.submit(running.init)
  const consumer = job('consumer')
  queue.submit(consumer.init)
  clock.now += MAX_HEAD_START_MS + 1
  const contributor = job('contributor', { credit: 1_000_000 })
  queue.submit(contributor.init)
  expect(consumer.queued.at(-1)?.position).toBe(1)
  expect(contributor.queued.at(-1)?.position).toBe(2)
  expect(headStartMs(0)).toBe(0)
  expect(headStartMs(1)).toBeGreaterThanOrEqual(CONTRIBUTOR_HEAD_START_MS)
  expect(headStartMs(1e9)).toBe(MAX_HEAD_START_MS)
  running.finish()
  await settle()
  expect(await consumer.slot).toBe('a')
  consumer.finish()
  await settle()
  expect(await contributor.slot).toBe('a')
  contributor.finish()
})

test('a job takes the free slot it prefers (its warm cache), else the one free the longest, queued or not', async () => {
  const queue = scheduler({ slots: ['a', 'b', 'c'] })
  const warm = job('c1')
  queue.submit({ ...warm.init, preferSlot: (free) => free.find((slot) => slot === 'b') })
  expect(await warm.slot).toBe('b')
  const cold = job('c2')
  queue.submit({ ...cold.init, preferSlot: () => 'not a free slot' })
  expect(await cold.slot).toBe('a')
  const third = job('c3')
  queue.submit(third.init)
  expect(await third.slot).toBe('c')
  // Queued until a slot frees; then it still takes the one it prefers among those free.
  const waiting = job('c4')
  queue.submit({ ...waiting.init, preferSlot: (free) => free.includes('c') ? 'c' : undefined })
  expect(queue.queueDepth).toBe(1)
  cold.finish()
  await settle()
  third.finish()
  await settle()
  expect(await waiting.slot).toBe('a')
  for (const each of [warm, waiting]) each.finish()
  await settle()
  expect(queue.runningCount).toBe(0)
})
