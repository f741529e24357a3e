import { setTimeout as sleep } from 'node:timers/promises'
import { expect, test } from '@playwright/test'
import { getLlama, LlamaLogLevel } from 'node-llama-cpp'
import { ensureDemoModel } from '../model/demo-models.ts'
import { DecodeBarrier } from './decode-barrier.ts'
import { emulatePassCost, parsePassCostProfile } from './pass-cost-emulation.ts'
import type { Token } from 'node-llama-cpp'

/** A step's wait, with whether it has been let go yet. */
function step (ready: Promise<void>): { released: () => boolean, done: Promise<void> } {
  let released = false
  const done = ready.then(() => { released = true })
  return { released: () => released, done }
}

/** Lets timers and event-loop turns run for `ms`. */
async function settle (ms = 20): Promise<void> {
  await sleep(ms)
}

test('a member alone steps at once, however long the deadline', async () => {
  const barrier = new DecodeBarrier({ gapMs: 60_000, deadlineMs: 60_000 })
  const only = barrier.join()
  const startedAt = performance.now()
  await only.ready()
  await only.ready()
  expect(performance.now() - startedAt).toBeLessThan(1_000)
  expect(barrier.stats).toEqual({ rounds: 2, steps: 2, deadlineRounds: 0 })
})

test('steps wait until every member has arrived, then go in one round', async () => {
  const barrier = new DecodeBarrier({ gapMs: 60_000, deadlineMs: 60_000 })
  const [a, b, c] = [barrier.join(), barrier.join(), barrier.join()]
  const first = step(a.ready())
  const second = step(b.ready())
  await settle()
  expect(first.released() || second.released()).toBe(false)
  const third = step(c.ready())
  await Promise.all([first.done, second.done, third.done])
  expect(barrier.stats).toEqual({ rounds: 1, steps: 3, deadlineRounds: 0 })
})

test('a member that does not come lets the others go once none has arrived for the gap', async () => {
  const barrier = new DecodeBarrier({ gapMs: 30, deadlineMs: 60_000 })
  const [a, b] = [barrier.join(), barrier.join()]
  barrier.join() // never arrives
  const startedAt = performance.now()
  const first = step(a.ready())
  await settle(20)
  // b's arrival restarts the gap: the two go 30 ms after b, not after a.
  const second = step(b.ready())
  const secondAt = performance.now()
  await Promise.all([first.done, second.done])
  expect(performance.now() - secondAt).toBeGreaterThanOrEqual(25)
  expect(performance.now() - startedAt).toBeGreaterThanOrEqual(45)
  expect(barrier.stats).toEqual({ rounds: 1, steps: 2, deadlineRounds: 1 })
})

test('steps that keep arriving wait at most the deadline', async () => {
  const barrier = new DecodeBarrier({ gapMs: 100, deadlineMs: 120 })
  const [a, b] = [barrier.join(), barrier.join()]
  barrier.join() // never arrives
  const startedAt = performance.now()
  const first = step(a.ready())
  await settle(60)
  await Promise.all([first.done, b.ready()])
  // b came 60 ms in, so the gap would end at 160 ms; the deadline ends the wait at 120 (timers may fire a ms early).
  const waited = performance.now() - startedAt
  expect(waited).toBeGreaterThanOrEqual(110)
  expect(waited).toBeLessThan(155)
  expect(barrier.stats).toEqual({ rounds: 1, steps: 2, deadlineRounds: 1 })
})

test('a step that missed its round waits for that round to come back, and joins the next', async () => {
  const barrier = new DecodeBarrier({ gapMs: 10, deadlineMs: 10 })
  const [a, b] = [barrier.join(), barrier.join()]
  await Promise.all([a.ready(), b.ready()])
  // a comes back, b is busy: after the deadline a goes alone, and its step is in flight.
  await a.ready()
  expect(barrier.stats).toMatchObject({ rounds: 2, deadlineRounds: 1 })
  // b arrives late while a's round is in flight: no deadline runs for it, it must not start a decode of its own.
  const late = step(b.ready())
  await settle(60)
  expect(late.released()).toBe(false)
  // a comes back: both go together.
  const next = step(a.ready())
  await Promise.all([late.done, next.done])
  expect(barrier.stats).toEqual({ rounds: 3, steps: 5, deadlineRounds: 1 })
})

test('members coming back from their decode restart the gap: the round waits for their bookkeeping', async () => {
  const barrier = new DecodeBarrier({ gapMs: 200, deadlineMs: 60_000 })
  const [a, b, c] = [barrier.join(), barrier.join(), barrier.join()]
  await Promise.all([a.ready(), b.ready(), c.ready()])
  // a is back and ready; b and c come back from their decode one after another, then do their bookkeeping.
  a.stepped()
  const first = step(a.ready())
  await settle(80)
  b.stepped()
  await settle(80)
  c.stepped()
  await settle(80)
  // 240 ms after a arrived, but never 200 ms without something coming back: still waiting.
  expect(first.released()).toBe(false)
  await Promise.all([first.done, b.ready(), c.ready()])
  expect(barrier.stats).toEqual({ rounds: 2, steps: 6, deadlineRounds: 0 })
})

test('a member that leaves is no longer waited for; one that left cannot step', async () => {
  const barrier = new DecodeBarrier({ gapMs: 60_000, deadlineMs: 60_000 })
  const [a, b, c] = [barrier.join(), barrier.join(), barrier.join()]
  const first = step(a.ready())
  const second = step(b.ready())
  await settle()
  expect(first.released()).toBe(false)
  c.leave()
  c.leave()
  await Promise.all([first.done, second.done])
  expect(barrier.size).toBe(2)
  await expect(c.ready()).rejects.toThrow(/left/)
  // Leaving while waiting lets that member's own step go (its loop is ending).
  const waiting = step(a.ready())
  b.leave()
  await waiting.done
  expect(barrier.size).toBe(1)
})

test('a member cannot wait twice at once, and the gap and deadline must be numbers of ms', async () => {
  const barrier = new DecodeBarrier({ gapMs: 60_000, deadlineMs: 60_000 })
  const [a] = [barrier.join(), barrier.join()]
  void a.ready()
  await expect(a.ready()).rejects.toThrow(/already waiting/)
  for (const deadlineMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    expect(() => new DecodeBarrier({ gapMs: 4, deadlineMs }), String(deadlineMs)).toThrow(RangeError)
    expect(() => new DecodeBarrier({ gapMs: deadlineMs, deadlineMs: 16 }), String(deadlineMs)).toThrow(RangeError)
  }
})

test('answers that take different times between steps, or erase rejected drafts, still share every decode of a real context', async () => {
  const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error })
  const model = await llama.loadModel({ modelPath: await ensureDemoModel('target') })
  const sequences = 3
  const context = await model.createContext({ contextSize: 256 * sequences, sequences, threads: 1 })
  try {
    const emulation = emulatePassCost(context, parsePassCostProfile('5,0.1'))
    // Generous: on a loaded machine the test must not depend on every step arriving within a few ms.
    const barrier = new DecodeBarrier({ gapMs: 2_000, deadlineMs: 2_000 })
    const prompt = model.tokenize('Once upon a time') as Token[]
    const steps = 6
    // All answers are running before the first step (a member alone would step at once).
    const members = Array.from({ length: sequences }, () => barrier.join())
    await Promise.all(members.map(async (member, index) => {
      const sequence = context.getSequence()
      try {
        let input = prompt
        for (let count = 0; count < steps; count++) {
          await member.ready()
          // The first answer also evaluates a wrong draft after its last token, as a rejected draft is.
          const drafted = index === 0 ? [...input, prompt[0] as Token] : input
          const results = await sequence.controlledEvaluate(drafted.map((token, position) => position === input.length - 1 ? [token, { generateNext: { token: true } }] : token))
          member.stepped()
          const next = results[input.length - 1]?.next.token
          expect(next).toBeDefined()
          if (drafted.length > input.length) {
            // Erasing it takes the context (after the round's sampling) but no decode of its own.
            await sequence.eraseContextTokenRanges([{ start: sequence.nextTokenIndex - 1, end: sequence.nextTokenIndex }])
          }
          input = [next as Token]
          // Work between steps that differs per answer (streaming, erasing rejected drafts, writing a verdict).
          await sleep(index * 3)
        }
      } finally {
        member.leave()
      }
    }))
    expect(emulation.stats.passes).toBe(steps)
    expect(emulation.stats.sequences).toBe(steps * sequences)
    expect(emulation.stats.tokens).toBe(prompt.length * sequences + 1 + (steps - 1) * (sequences + 1))
    expect(barrier.stats).toEqual({ rounds: steps, steps: steps * sequences, deadlineRounds: 0 })
  } finally {
    await context.dispose()
    await model.dispose()
    await llama.dispose()
  }
})
