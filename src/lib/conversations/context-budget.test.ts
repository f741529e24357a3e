import { expect, test } from '@playwright/test'
import type { MessageRecord } from '../storage/index.ts'
import { MESSAGE_OVERHEAD_TOKENS, MIN_ANSWER_TOKENS, PROMPT_OVERHEAD_TOKENS, messageBound, planContext, promptBound, stoppedByFullContext } from './context-budget.ts'

let clock = 1_000

function question (sequence: number, content: string): MessageRecord {
  clock += 10
  return { id: `m${sequence}`, conversationId: 'c', sequence, role: 'user', content, status: 'complete', createdAt: clock, updatedAt: clock }
}

/** An answer as the verifier reported it: `completionTokens` for its text, `promptTokens` for the prompt that started at `from`. */
function answer (sequence: number, content: string, counts: { promptTokens: number, completionTokens: number, from?: number }): MessageRecord {
  clock += 10
  const sentAt = clock
  clock += 10
  return {
    id: `m${sequence}`, conversationId: 'c', sequence, role: 'assistant', content, status: 'complete', createdAt: sentAt, updatedAt: clock,
    finishReason: 'stop', usage: { promptTokens: counts.promptTokens, completionTokens: counts.completionTokens }, contextLength: 2048,
    prompt: { from: counts.from ?? 0, omitted: 0, sentAt, maxTokens: 512, contextLimited: false }
  }
}

const words = (count: number): string => Array.from({ length: count }, (_, index) => `word${index % 10}`).join(' ')

test('with the context not known yet, everything is sent as asked', () => {
  const history = [question(0, 'Hello'), answer(1, 'Hi', { promptTokens: 9, completionTokens: 1 }), question(2, 'More')]
  expect(planContext({ history, contextLength: undefined, maxTokens: 512 })).toEqual({
    fits: true, messages: history.map(({ role, content }) => ({ role, content })), from: 0, omitted: 0, promptTokens: undefined, maxTokens: 512, contextLimited: false
  })
  // A device engine announces 0: not known either.
  expect(planContext({ history, contextLength: 0, maxTokens: 512 })).toMatchObject({ fits: true, omitted: 0, maxTokens: 512 })
})

test('a message costs at most its UTF-8 bytes (byte-level BPE) or its counted tokens, plus the template\'s markers', () => {
  expect(messageBound({ content: 'héllo' })).toBe(MESSAGE_OVERHEAD_TOKENS + 6)
  // An answer of 400 bytes that its verifier counted as 100 tokens: the count, with a little slack for retokenizing.
  expect(messageBound({ content: 'x'.repeat(400), usage: { promptTokens: 50, completionTokens: 100 } })).toBe(MESSAGE_OVERHEAD_TOKENS + 100 + 7 + 2)
  // Never more than its bytes.
  expect(messageBound({ content: 'ab', usage: { promptTokens: 50, completionTokens: 100 } })).toBe(MESSAGE_OVERHEAD_TOKENS + 2)
})

test('a prompt that starts where an earlier one did costs that one\'s exact count plus what came after', () => {
  // Made in the order a conversation makes them: each message's time is later than the last's.
  const hello = question(0, 'Hello')
  const reply = answer(1, 'x'.repeat(800), { promptTokens: 20, completionTokens: 200 })
  const next = question(2, 'And then?')
  const history = [hello, reply, next]
  expect(promptBound(history, 0)).toBe(20 + messageBound(reply) + messageBound(next))
  // From the newest question on, no earlier prompt started there: the template's fixed text is bounded instead.
  expect(promptBound(history, 2)).toBe(PROMPT_OVERHEAD_TOKENS + messageBound(next))
})

test('an earlier count is not used once a message it covered has changed (a retried answer)', () => {
  const first = question(0, 'Hello')
  const middle = answer(1, 'x'.repeat(800), { promptTokens: 20, completionTokens: 200 })
  const goOn = question(2, 'Go on')
  const later = answer(3, 'y'.repeat(80), { promptTokens: 300, completionTokens: 20 })
  const again = question(4, 'Again')
  expect(promptBound([first, middle, goOn, later, again], 0)).toBe(300 + messageBound(later) + messageBound(again))
  const retried = { ...middle, updatedAt: (later.prompt?.sentAt ?? 0) + 1 }
  // `later`'s count covered the old text of `retried`; `retried`'s own prompt (from 0) still holds.
  expect(promptBound([first, retried, goOn, later, again], 0)).toBe(20 + messageBound(retried) + messageBound(goOn) + messageBound(later) + messageBound(again))
})

test('long conversations keep the newest turns that leave the answer its length, and say how many were left out', () => {
  // Six turns of 500-token answers in a 2048-token context: the whole conversation cannot be sent.
  const history: MessageRecord[] = []
  let promptTokens = 20
  for (let turn = 0; turn < 5; turn++) {
    history.push(question(turn * 2, `Question ${turn}`))
    history.push(answer(turn * 2 + 1, words(400), { promptTokens, completionTokens: 500 }))
    promptTokens += 520
  }
  history.push(question(10, 'Question 5'))
  const plan = planContext({ history, contextLength: 2048, maxTokens: 512 })
  if (!plan.fits) throw new Error('expected a plan that fits')
  expect(plan.messages[0]?.role).toBe('user')
  expect(plan.messages.at(-1)).toEqual({ role: 'user', content: 'Question 5' })
  expect(plan.omitted).toBeGreaterThan(0)
  expect(plan.omitted % 2).toBe(0)
  expect(plan.messages).toHaveLength(history.length - plan.omitted)
  expect(plan.from).toBe(plan.omitted)
  expect(plan.promptTokens).toBeLessThanOrEqual(2047 - 512)
  expect(plan.maxTokens).toBe(512)
  expect(plan.contextLimited).toBe(false)
  // One turn more would not have left the answer its 512 tokens.
  expect(promptBound(history, plan.omitted - 2) + 512).toBeGreaterThan(2047)
})

test('a long question alone: the answer gets the room left (context-limited), or it does not fit at all', () => {
  const long = [question(0, 'x'.repeat(1800))]
  const plan = planContext({ history: long, contextLength: 2048, maxTokens: 512 })
  expect(plan).toMatchObject({ fits: true, omitted: 0, contextLimited: true })
  if (!plan.fits) throw new Error('expected a plan that fits')
  expect(plan.maxTokens).toBe(2047 - (PROMPT_OVERHEAD_TOKENS + MESSAGE_OVERHEAD_TOKENS + 1800))
  const tooLong = [question(0, 'x'.repeat(2047 - PROMPT_OVERHEAD_TOKENS - MESSAGE_OVERHEAD_TOKENS - MIN_ANSWER_TOKENS + 1))]
  expect(planContext({ history: tooLong, contextLength: 2048, maxTokens: 512 })).toEqual({ fits: false, promptTokens: 2047 - MIN_ANSWER_TOKENS + 1, contextLength: 2048 })
})

test('an answer asked for more than half the context keeps half, so older turns are not all dropped for it', () => {
  const history = [question(0, 'Hello'), answer(1, words(100), { promptTokens: 20, completionTokens: 200 }), question(2, 'More')]
  const plan = planContext({ history, contextLength: 2048, maxTokens: 4000 })
  expect(plan).toMatchObject({ fits: true, omitted: 0, contextLimited: true })
})

test('an answer cut at its length says the context is full when it was, not otherwise', () => {
  const usage = { promptTokens: 1900, completionTokens: 147 }
  expect(stoppedByFullContext({ finishReason: 'length', usage, contextLength: 2048 })).toBe(true)
  expect(stoppedByFullContext({ finishReason: 'length', usage: { promptTokens: 100, completionTokens: 512 }, contextLength: 2048 })).toBe(false)
  expect(stoppedByFullContext({ finishReason: 'length', usage: { promptTokens: 100, completionTokens: 40 }, prompt: { from: 0, omitted: 0, sentAt: 0, maxTokens: 40, contextLimited: true } })).toBe(true)
  expect(stoppedByFullContext({ finishReason: 'stop', usage, contextLength: 2048 })).toBe(false)
})
