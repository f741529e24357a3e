/**
 * Regression tests for patches/@libp2p+webrtc+*.patch, which fixes two dial
 * bugs of @libp2p/webrtc: a dialer that waits forever for an `init` channel
 * the remote already closed, and ICE failures that were swallowed so a dead
 * connection got upgraded. They exercise the patched module itself; if the
 * patch is lost (e.g. an upgrade without it), they fail.
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect, test } from '@playwright/test'
import { REPO_ROOT } from '../support/processes.ts'

interface PatchedUtil {
  settleInitChannel: (channel: FakeChannel, options?: { signal?: AbortSignal }) => Promise<void>
  assertConnected: (pc: { connectionState: string }) => void
  readCandidatesUntilConnected: (pc: FakePeerConnection, stream: { read: (options?: { signal?: AbortSignal }) => Promise<unknown> }, options: { direction: string, signal?: AbortSignal, log: { trace: () => void, error: () => void } }) => Promise<void>
}

async function patchedUtil (): Promise<PatchedUtil> {
  const path = join(REPO_ROOT, 'node_modules/@libp2p/webrtc/dist/src/private-to-private/util.js')
  return await import(pathToFileURL(path).href) as PatchedUtil
}

/** A data channel as the browser exposes it: readyState plus open/close events. */
class FakeChannel extends EventTarget {
  closeCalls = 0
  constructor (public readyState: RTCDataChannelState) {
    super()
  }

  close (): void {
    this.closeCalls++
    if (this.readyState === 'open') {
      this.readyState = 'closing'
      queueMicrotask(() => {
        this.readyState = 'closed'
        this.dispatchEvent(new Event('close'))
      })
    }
  }
}

class FakePeerConnection {
  connectionState: RTCPeerConnectionState = 'connecting'
  onconnectionstatechange: ((event: Event) => void) | null = null

  become (state: RTCPeerConnectionState): void {
    this.connectionState = state
    this.onconnectionstatechange?.(new Event('connectionstatechange'))
  }
}

const log = { trace: () => {}, error: () => {} }

test('a dialer whose init channel the remote already closed does not wait for "open"', async () => {
  const { settleInitChannel } = await patchedUtil()
  const channel = new FakeChannel('closed')
  await settleInitChannel(channel, { signal: AbortSignal.timeout(2_000) })
  expect(channel.closeCalls).toBe(0)
})

test('an init channel that closes while still connecting settles', async () => {
  const { settleInitChannel } = await patchedUtil()
  const channel = new FakeChannel('connecting')
  const settled = settleInitChannel(channel, { signal: AbortSignal.timeout(2_000) })
  channel.readyState = 'closed'
  channel.dispatchEvent(new Event('close'))
  await settled
})

test('an open init channel is closed, and settles once the close is seen', async () => {
  const { settleInitChannel } = await patchedUtil()
  const channel = new FakeChannel('open')
  await settleInitChannel(channel, { signal: AbortSignal.timeout(2_000) })
  expect(channel.closeCalls).toBe(1)
  expect(channel.readyState).toBe('closed')
})

test('an ICE failure during signalling fails the dial instead of being swallowed', async () => {
  const { readCandidatesUntilConnected } = await patchedUtil()
  const pc = new FakePeerConnection()
  const stream = { read: async (options?: { signal?: AbortSignal }) => new Promise<unknown>((_resolve, reject) => { options?.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }) }) }
  const reading = readCandidatesUntilConnected(pc, stream, { direction: 'initiator', signal: AbortSignal.timeout(5_000), log })
  pc.become('failed')
  await expect(reading).rejects.toMatchObject({ name: 'ConnectionFailedError' })
})

test('a signalling stream that ends before our side connects waits for the connection', async () => {
  const { readCandidatesUntilConnected } = await patchedUtil()
  const pc = new FakePeerConnection()
  const stream = { read: async () => undefined }
  const reading = readCandidatesUntilConnected(pc, stream, { direction: 'initiator', signal: AbortSignal.timeout(5_000), log })
  let finished = false
  void reading.then(() => { finished = true })
  // Let every pending callback run: the read has ended, yet the dial must still wait.
  await new Promise((resolve) => setImmediate(resolve))
  expect(finished).toBe(false)
  pc.become('connected')
  await reading
})

test('a connection that is not up after signalling is refused', async () => {
  const { assertConnected } = await patchedUtil()
  expect(() => { assertConnected({ connectionState: 'failed' }) }).toThrow(expect.objectContaining({ name: 'ConnectionFailedError' }))
  expect(() => { assertConnected({ connectionState: 'connected' }) }).not.toThrow()
})
