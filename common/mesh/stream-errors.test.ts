import { expect, test } from '@playwright/test'
import { lpStream, streamPair } from '@libp2p/utils'
import { MessageTooLargeError } from '#protocol'
import { isDeadlineOrAbort, isOversizedFrame, isStreamFailure } from './stream-errors.ts'

class StreamResetError extends Error {
  override readonly name = 'StreamResetError'
}

test('an oversized frame is told apart from a deadline, an abort and a broken stream', async () => {
  const [reader, writer] = await streamPair()
  const frames = lpStream(reader, { maxDataLength: 4 })
  await lpStream(writer).write(new Uint8Array(5))
  const oversized = await frames.read().catch((err: unknown) => err)
  expect(oversized).toMatchObject({ name: 'InvalidDataLengthError' })
  expect(isOversizedFrame(oversized)).toBe(true)
  expect(isOversizedFrame(new MessageTooLargeError('too big'))).toBe(true)

  // A reader on a quiet stream gives up on its deadline.
  const [quiet] = await streamPair()
  const deadline = await lpStream(quiet).read({ signal: AbortSignal.timeout(1) }).catch((err: unknown) => err)
  expect(isDeadlineOrAbort(deadline)).toBe(true)
  expect(isOversizedFrame(deadline)).toBe(false)
  const controller = new AbortController()
  controller.abort()
  expect(isDeadlineOrAbort(controller.signal.reason)).toBe(true)

  expect(isStreamFailure(new StreamResetError('reset'))).toBe(true)
  expect(isStreamFailure(deadline)).toBe(true)
  expect(isStreamFailure(oversized)).toBe(false)
  expect(isStreamFailure('not an error')).toBe(false)
})
