import { expect, test } from '@playwright/test'
import { ChatError } from '../chat/errors.ts'
import { chatFailure, describeChatFailure, describeHandovers, describeQueue, formatEta, isDemoModelName, shortPeerId, titleFromMessage } from './chat-text.ts'

test('a title is the first message on one line, cut to a readable length', () => {
  expect(titleFromMessage('  What is\n\na  shoal?  ')).toBe('What is a shoal?')
  expect(titleFromMessage('   ')).toBe('New chat')
  const long = titleFromMessage('word '.repeat(40))
  expect(long.length).toBeLessThanOrEqual(60)
  expect(long.endsWith('…')).toBe(true)
})

test('queue position and ETA read as a sentence', () => {
  expect(describeQueue(2, 3_200)).toBe('Waiting in queue: position 2, about 4 s')
  expect(describeQueue(1, 0)).toBe('Waiting in queue: position 1')
  expect(describeQueue(3, 0, 'contributor')).toBe('Waiting in queue as a contributor (ahead of consumers): position 3')
  expect(describeQueue(1, 0, 'consumer')).toBe('Waiting in queue as a consumer (contributors go first): position 1')
  expect(formatEta(200)).toBe('about 1 s')
  expect(formatEta(150_000)).toBe('about 3 min')
})

test('demo models are told apart by name, peers by the end of their id', () => {
  expect(isDemoModelName('shoal-demo')).toBe(true)
  expect(isDemoModelName('shoal-demo-draft')).toBe(true)
  expect(isDemoModelName('llama-3.2-1b')).toBe(false)
  expect(isDemoModelName(undefined)).toBe(false)
  expect(shortPeerId('12D3KooWAbcdefghijklmnop')).toBe('…ijklmnop')
})

test('chat failures are described from their name, code and retry-after', () => {
  const busy = new ChatError('BUSY', 'queue full', { retryAfterSeconds: 4.2 })
  expect(chatFailure(busy)).toEqual({ name: 'ChatError', message: 'queue full', code: 'BUSY', retryAfterSeconds: 4.2 })
  expect(describeChatFailure(chatFailure(busy))).toBe('The verifier is busy. Try again in 5 s.')
  expect(describeChatFailure({ name: 'ChatError', message: 'too many chats', code: 'LIMIT', retryAfterSeconds: 10 }))
    .toBe('The verifier refused: you are over its limits (too many chats). Try again in 10 s.')
  expect(describeChatFailure({ name: 'VerifierUnreachableError', message: 'x' })).toMatch(/^No verifier could be reached/)
  expect(describeChatFailure(chatFailure('boom'))).toBe('Something went wrong: boom')
})

test('a handed-over answer says, per hand-over, who went away, why, and how the next verifier went on', () => {
  const first = { verifierPeerId: '12D3KooWFirstAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', start: 0, continued: false }
  const second = { verifierPeerId: '12D3KooWSecondBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', start: 120, continued: true, reason: 'The verifier went away before finishing this answer.' }
  const third = { verifierPeerId: '12D3KooWThirdCccccccccccccccccccccccccccccccccccccc', start: 0, continued: false, reason: 'The verifier gave up on this answer: shutting down' }
  expect(describeHandovers([first])).toEqual([])
  expect(describeHandovers([first, second, third])).toEqual([
    `Handed over: verifier ${shortPeerId(first.verifierPeerId)} went away (The verifier went away before finishing this answer.); verifier ${shortPeerId(second.verifierPeerId)} continued it from its tokens after 120 characters.`,
    `Handed over: verifier ${shortPeerId(second.verifierPeerId)} went away (The verifier gave up on this answer: shutting down); verifier ${shortPeerId(third.verifierPeerId)} wrote it again from the start (what was shown was kept, not repeated).`
  ])
})
