import { expect, test } from '@playwright/test'
import { Drafter } from './drafter.ts'
import type { DraftEngine } from './drafter.ts'
import type { DraftTransport } from './draft-transport.ts'
import type { DraftToDrafterMessage, DraftToVerifierMessage } from '#protocol'

/** The verifier's end of a draft stream, in memory: what the drafter sent, and messages to hand it. */
function verifierEnd (): { transport: DraftTransport, sent: DraftToVerifierMessage[], deliver: (message: DraftToDrafterMessage) => void, end: () => void } {
  const sent: DraftToVerifierMessage[] = []
  const queued: DraftToDrafterMessage[] = []
  const waiting: Array<{ resolve: (message: DraftToDrafterMessage) => void, reject: (err: Error) => void }> = []
  let ended = false
  return {
    sent,
    deliver: (message) => {
      const reader = waiting.shift()
      if (reader === undefined) queued.push(message)
      else reader.resolve(message)
    },
    end: () => {
      ended = true
      for (const reader of waiting.splice(0)) reader.reject(new Error('the stream ended'))
    },
    transport: {
      send: async (message) => { sent.push(message) },
      receive: async () => {
        const next = queued.shift()
        if (next !== undefined) return next
        if (ended) throw new Error('the stream ended')
        return await new Promise((resolve, reject) => { waiting.push({ resolve, reject }) })
      },
      close: async () => {}
    }
  }
}

/** A KV cache of tokens; greedy next token = last + 1. `failNextEvaluate` makes one evaluation throw after it changed the cache. */
function engine (): DraftEngine & { kv: number[], failNextEvaluate: boolean } {
  const kv: number[] = []
  const fake = {
    kv,
    failNextEvaluate: false,
    evaluate: async (tokens: readonly number[]) => {
      kv.push(...tokens)
      if (fake.failNextEvaluate) {
        fake.failNextEvaluate = false
        throw new Error('out of memory')
      }
      return kv.length
    },
    generateGreedy: async (count: number) => {
      const drafted = Array.from({ length: count }, (_, index) => ({ token: (kv.at(-1) ?? 0) + 1 + index, probability: 0.9 }))
      kv.push(...drafted.map((entry) => entry.token))
      return drafted
    },
    rewind: async (position: number) => {
      kv.length = Math.min(kv.length, position)
      return kv.length
    }
  }
  return fake
}

test('after an engine error the next job drafts from its own context, not after what the failed one left in the engine', async () => {
  const model = engine()
  const stream = verifierEnd()
  const drafter = new Drafter({ engine: model, transport: stream.transport, model: 'test-draft', tokenizerFingerprint: 'sha256:x', contextLength: 512 })
  const running = drafter.run()
  stream.deliver({ type: 'welcome', maxBatchTokens: 4 })

  model.failNextEvaluate = true
  stream.deliver({ type: 'open', jobId: 1, context: [10, 11, 12], lookahead: 2 })
  await expect.poll(() => stream.sent.find((message) => message.type === 'failed' && message.jobId === 1)).toBeDefined()

  stream.deliver({ type: 'open', jobId: 2, context: [50, 51], lookahead: 2 })
  await expect.poll(() => stream.sent.filter((message) => message.type === 'batch' && message.jobId === 2).flatMap((message) => message.type === 'batch' ? message.tokens : [])).toEqual([52, 53])
  expect(model.kv).toEqual([50, 51, 52, 53])

  stream.end()
  await running.catch(() => {})
})
