import { expect, test } from '@playwright/test'
import { TextStream } from './text-stream.ts'
import type { Detokenize } from './text-stream.ts'

/**
 * A byte-level tokenizer like llama.cpp's: each token is one byte, and
 * decoding bytes that end inside a character yields U+FFFD, as the native
 * detokenizer's UTF-8 conversion does.
 */
const byteDetokenize: Detokenize<number> = (tokens) => Buffer.from(tokens).toString('utf8')

function bytes (text: string): number[] {
  return [...Buffer.from(text, 'utf8')]
}

function run (tokens: number[], stop: string[] = []): { deltas: string[], stopped: boolean, rest: string } {
  const stream = new TextStream(byteDetokenize, stop)
  const deltas: string[] = []
  for (const token of tokens) {
    const step = stream.push(token)
    if (step.text !== '') {
      deltas.push(step.text)
    }
    if (step.stopped) {
      return { deltas, stopped: true, rest: stream.finish() }
    }
  }
  return { deltas, stopped: false, rest: stream.finish() }
}

test('characters split across tokens come out whole, never as U+FFFD', () => {
  const text = 'héllo ✓ 日本 😀!'
  const { deltas, rest } = run(bytes(text))
  expect(deltas.join('') + rest).toBe(text)
  for (const delta of deltas) {
    expect(delta).not.toContain('\uFFFD')
    expect(Buffer.from(delta, 'utf8').toString('utf8')).toBe(delta)
  }
  expect(deltas).toContain('😀')
})

test('bytes that never form a character are released after a few tokens', () => {
  const { deltas, rest } = run([0x61, 0xe6, 0x62, 0x63, 0x64, 0x65])
  expect(deltas.join('') + rest).toBe(Buffer.from([0x61, 0xe6, 0x62, 0x63, 0x64, 0x65]).toString('utf8'))
})

test('a stop string ends the text before it, even when it spans tokens', () => {
  const { deltas, stopped } = run(bytes('one two STOP three'), ['STOP'])
  expect(stopped).toBe(true)
  expect(deltas.join('')).toBe('one two ')
})

test('text that only looks like the start of a stop string is held, then released', () => {
  const { deltas, stopped, rest } = run(bytes('a ST b STO c'), ['STOP'])
  expect(stopped).toBe(false)
  expect(deltas.join('') + rest).toBe('a ST b STO c')
  expect(deltas.some((delta) => delta.includes('ST'))).toBe(true)
  // Held text is released at the end, not lost.
  expect(run(bytes('end ST'), ['STOP']).rest).toBe('ST')
})

test('the earliest of several stop strings wins', () => {
  const { deltas } = run(bytes('xx BB AA'), ['AA', 'BB'])
  expect(deltas.join('')).toBe('xx ')
})

test('the detokenizer gets up to 16 earlier tokens as context', () => {
  const seen: number[] = []
  const stream = new TextStream<number>((tokens, previous) => {
    seen.push(previous.length)
    return String.fromCharCode(...tokens)
  }, [])
  for (let index = 0; index < 20; index++) {
    stream.push(0x61 + (index % 26))
  }
  expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16])
})

test('with a marker, text before it is text and from it on is call text; a partial marker is held, then released if it is not one', () => {
  const stream = new TextStream(byteDetokenize, [], '||call: ')
  const steps = bytes('a | b ||call: f(1)').map((token) => stream.push(token))
  const text = steps.map((step) => step.text).join('')
  const call = steps.map((step) => step.call ?? '').join('')
  expect(text + stream.finish()).toBe('a | b ')
  expect(call).toBe('||call: f(1)')
  expect(stream.marked).toBe(true)
  // The lone `|` was held until the space after it showed it began no marker.
  const held = bytes('a |').map((token) => new TextStream(byteDetokenize, [], '||call: ').push(token))
  expect(held.at(-1)?.text).toBe('')
  const unmarked = new TextStream(byteDetokenize, [], '||call: ')
  expect(bytes('x |').map((token) => unmarked.push(token).text).join('') + unmarked.finish()).toBe('x |')
  expect(unmarked.marked).toBe(false)
})
