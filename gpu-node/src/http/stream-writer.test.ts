import { createServer, request } from 'node:http'
import { expect, test } from '@playwright/test'
import { closeServer, listen } from '#server'
import { StreamWriter } from './stream-writer.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** True when `promise` has not settled after the event loop has gone round once. */
async function isPending (promise: Promise<unknown>): Promise<boolean> {
  let settled = false
  promise.then(() => { settled = true }, () => { settled = true })
  await new Promise((resolve) => setImmediate(resolve))
  return !settled
}

test('waits for drain while the reader is not reading, and never on a reader that is gone', async () => {
  let serve: (response: ServerResponse) => void = () => {}
  const served = new Promise<ServerResponse>((resolve) => { serve = resolve })
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/octet-stream' })
    response.flushHeaders()
    serve(response)
  })
  const port = await listen(server, 0, '127.0.0.1')
  try {
    const reading = new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port, path: '/' }, resolve)
      outgoing.on('error', reject)
      outgoing.end()
    })
    const [response, reader] = await Promise.all([served, reading])
    reader.pause()

    // Fill the socket buffers until a write has to wait.
    const writer = new StreamWriter(response)
    const chunk = 'x'.repeat(64 * 1024)
    let pending: Promise<boolean> | undefined
    for (let written = 0; written < 4096 && pending === undefined; written++) {
      const write = writer.write(chunk)
      if (await isPending(write)) {
        pending = write
      }
    }
    expect(pending).toBeDefined()
    expect(response.writableNeedDrain).toBe(true)

    // Reading again drains the buffer and releases the writer.
    reader.resume()
    expect(await pending).toBe(true)

    // A reader that leaves releases a waiting writer with false, and later writes at once.
    reader.pause()
    let waiting: Promise<boolean> | undefined
    for (let written = 0; written < 4096 && waiting === undefined; written++) {
      const write = writer.write(chunk)
      if (await isPending(write)) {
        waiting = write
      }
    }
    expect(waiting).toBeDefined()
    reader.destroy()
    expect(await waiting).toBe(false)
    expect(writer.open).toBe(false)
    expect(await writer.write(chunk)).toBe(false)
  } finally {
    await closeServer(server)
  }
})
