import { expect, test } from '@playwright/test'
import { EventChannel } from './event-channel.ts'

type Event = { type: 'text', text: string } | { type: 'end' }

/** Joins text events, as the verifier joins its deltas. */
const joinText = (waiting: Event, pushed: Event): Event | undefined =>
  waiting.type === 'text' && pushed.type === 'text' ? { type: 'text', text: waiting.text + pushed.text } : undefined

async function drain<Value> (channel: EventChannel<Value>): Promise<Value[]> {
  const values: Value[] = []
  for await (const value of channel) {
    values.push(value)
  }
  return values
}

test('values pushed while the reader is busy are joined; others keep their place', async () => {
  const channel = new EventChannel<Event>({ merge: joinText })
  channel.push({ type: 'text', text: 'a' })
  channel.push({ type: 'text', text: 'b' })
  channel.push({ type: 'end' })
  channel.push({ type: 'text', text: 'c' })
  channel.push({ type: 'text', text: 'd' })
  channel.close()
  expect(await drain(channel)).toEqual([{ type: 'text', text: 'ab' }, { type: 'end' }, { type: 'text', text: 'cd' }])
})

test('a waiting reader gets each value as it is pushed', async () => {
  const channel = new EventChannel<Event>({ merge: joinText })
  const iterator = channel[Symbol.asyncIterator]()
  const first = iterator.next()
  channel.push({ type: 'text', text: 'a' })
  expect(await first).toEqual({ value: { type: 'text', text: 'a' }, done: false })
  const second = iterator.next()
  channel.push({ type: 'text', text: 'b' })
  channel.push({ type: 'text', text: 'c' })
  expect(await second).toEqual({ value: { type: 'text', text: 'b' }, done: false })
  expect(await iterator.next()).toEqual({ value: { type: 'text', text: 'c' }, done: false })
})

test('without merge, every value is its own; a failure comes after the values before it', async () => {
  const channel = new EventChannel<Event>()
  channel.push({ type: 'text', text: 'a' })
  channel.push({ type: 'text', text: 'b' })
  channel.fail(new Error('broken'))
  const seen: Event[] = []
  await expect((async () => {
    for await (const value of channel) {
      seen.push(value)
    }
  })()).rejects.toThrow('broken')
  expect(seen).toEqual([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }])
})

test('a reader leaving early runs onReturn once, and later pushes are dropped', async () => {
  let returned = 0
  const channel = new EventChannel<Event>({ onReturn: () => { returned++ }, merge: joinText })
  channel.push({ type: 'text', text: 'a' })
  for await (const value of channel) {
    expect(value).toEqual({ type: 'text', text: 'a' })
    break
  }
  channel.push({ type: 'text', text: 'b' })
  expect(returned).toBe(1)
  expect(channel.closed).toBe(true)
})

test('paced: after a text, the next is held for the interval and what comes meanwhile joins it', async () => {
  const channel = new EventChannel<Event>({ merge: joinText, pace: { ms: 50, after: (event) => event.type === 'text' } })
  const iterator = channel[Symbol.asyncIterator]()
  channel.push({ type: 'text', text: 'a' })
  // Before 'a' is taken: the interval starts when it is, so it cannot end sooner than 50 ms after this.
  const beforeA = performance.now()
  expect(await iterator.next()).toEqual({ value: { type: 'text', text: 'a' }, done: false })
  const next = iterator.next()
  channel.push({ type: 'text', text: 'b' })
  channel.push({ type: 'text', text: 'c' })
  expect(await next).toEqual({ value: { type: 'text', text: 'bc' }, done: false })
  // Timers never fire early: the held text cannot have come sooner.
  expect(performance.now() - beforeA).toBeGreaterThanOrEqual(49)
})

test('paced: a value that cannot join, or the end, lets the held text go at once', async () => {
  const channel = new EventChannel<Event>({ merge: joinText, pace: { ms: 60_000, after: (event) => event.type === 'text' } })
  const iterator = channel[Symbol.asyncIterator]()
  channel.push({ type: 'text', text: 'a' })
  await iterator.next()
  const held = iterator.next()
  channel.push({ type: 'text', text: 'b' })
  channel.push({ type: 'end' })
  expect(await held).toEqual({ value: { type: 'text', text: 'b' }, done: false })
  // After a value `after` does not accept, nothing is held.
  expect(await iterator.next()).toEqual({ value: { type: 'end' }, done: false })
  channel.push({ type: 'text', text: 'c' })
  expect(await iterator.next()).toEqual({ value: { type: 'text', text: 'c' }, done: false })
  const last = iterator.next()
  channel.push({ type: 'text', text: 'd' })
  channel.close()
  expect(await last).toEqual({ value: { type: 'text', text: 'd' }, done: false })
  expect(await iterator.next()).toEqual({ value: undefined, done: true })
})

test('paced: a reader that leaves while a text is held gets the end, and the work is cancelled', async () => {
  let returned = 0
  const channel = new EventChannel<Event>({ onReturn: () => { returned++ }, merge: joinText, pace: { ms: 60_000, after: (event) => event.type === 'text' } })
  const iterator = channel[Symbol.asyncIterator]()
  channel.push({ type: 'text', text: 'a' })
  await iterator.next()
  const held = iterator.next()
  channel.push({ type: 'text', text: 'b' })
  await iterator.return?.()
  expect(await held).toEqual({ value: undefined, done: true })
  expect(returned).toBe(1)
})
