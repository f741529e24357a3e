import { expect, test } from '@playwright/test'
import { AnswerSoFar } from './answer-so-far.ts'

test('deltas with tokens are shown as they come and are what the next verifier continues from', () => {
  const soFar = new AnswerSoFar()
  expect(soFar.restart('fp')).toBeUndefined()
  expect(soFar.push({ text: 'Once', tokens: [1] })).toBe('Once')
  expect(soFar.push({ text: ' upon', tokens: [2, 3] })).toBe(' upon')
  expect(soFar.text).toBe('Once upon')
  expect(soFar.restart('fp')).toEqual({ text: 'Once upon', tokens: [1, 2, 3], tokenizerFingerprint: 'fp' })
  // The next verifier goes on from there: all it writes is new.
  expect(soFar.push({ text: ' a time', tokens: [4] })).toBe(' a time')
  expect(soFar.text).toBe('Once upon a time')
})

test('text shown without its tokens is written again by the next verifier, and not shown twice', () => {
  const soFar = new AnswerSoFar()
  soFar.push({ text: 'Once', tokens: [1] })
  // The first pieces of a long delta: its tokens come with the last piece, which never arrived.
  expect(soFar.push({ text: ' upon a' })).toBe(' upon a')
  expect(soFar.restart('fp')).toEqual({ text: 'Once', tokens: [1], tokenizerFingerprint: 'fp' })
  expect(soFar.push({ text: ' up', tokens: [2] })).toBe('')
  expect(soFar.push({ text: 'on a time', tokens: [3, 4] })).toBe(' time')
  expect(soFar.text).toBe('Once upon a time')
  // A second hand-over goes on from everything confirmed, the first verifier's and the second's.
  expect(soFar.restart('fp')).toEqual({ text: 'Once upon a time', tokens: [1, 2, 3, 4], tokenizerFingerprint: 'fp' })
})

test('a verifier that sends no tokens is restarted from nothing, and what it wrote again is skipped', () => {
  const soFar = new AnswerSoFar()
  soFar.push({ text: 'Once upon' })
  expect(soFar.restart('fp')).toBeUndefined()
  expect(soFar.push({ text: 'Once', tokens: [1] })).toBe('')
  expect(soFar.push({ text: ' upon a', tokens: [2, 3] })).toBe(' a')
})

test('a verifier that writes other text where text was shown cannot continue it', () => {
  const soFar = new AnswerSoFar()
  soFar.push({ text: 'Once upon' })
  soFar.restart('fp')
  expect(soFar.push({ text: 'On', tokens: [1] })).toBe('')
  expect(() => soFar.push({ text: 'e day', tokens: [2] })).toThrow(expect.objectContaining({ name: 'AnswerDivergedError' }))
})
