import { expect, test } from '@playwright/test'
import { ClientLimits, clientAddress } from './client-limits.ts'
import type { IncomingMessage } from 'node:http'

function request (remoteAddress: string, forwardedFor?: string): IncomingMessage {
  return { socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } } as unknown as IncomingMessage
}

test('each address holds at most its limit of requests in flight; a release frees one slot, once', () => {
  const limits = new ClientLimits(2)
  const first = limits.acquire('a')
  const second = limits.acquire('a')
  expect(first).toBeDefined()
  expect(second).toBeDefined()
  expect(limits.acquire('a')).toBeUndefined()
  expect(limits.acquire('b')).toBeDefined()
  expect(limits.refused).toBe(1)
  expect(limits.inFlight).toBe(3)
  first?.()
  first?.()
  expect(limits.inFlight).toBe(2)
  expect(limits.acquire('a')).toBeDefined()
  expect(limits.acquire('a')).toBeUndefined()
})

test('a limit of 0 limits nothing', () => {
  const limits = new ClientLimits(0)
  for (let index = 0; index < 100; index++) {
    expect(limits.acquire('a')).toBeDefined()
  }
})

test('a client is its address; behind a proxy on loopback, the address the proxy appended', () => {
  expect(clientAddress(request('192.0.2.1'))).toBe('192.0.2.1')
  // Only loopback's word is taken: anyone else could write the header.
  expect(clientAddress(request('192.0.2.1', '198.51.100.9'))).toBe('192.0.2.1')
  expect(clientAddress(request('127.0.0.1', 'spoofed, 198.51.100.9'))).toBe('198.51.100.9')
  expect(clientAddress(request('::1'))).toBe('::1')
})
