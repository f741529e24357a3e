import { expect, test } from '@playwright/test'
import { hasValidApiKey } from './api-key.ts'
import { IncomingMessage } from 'node:http'
import { Socket } from 'node:net'

function requestWith (authorization?: string): IncomingMessage {
  const request = new IncomingMessage(new Socket())
  request.headers = authorization === undefined ? {} : { authorization }
  return request
}

test('accepts exactly "Bearer <key>", scheme case-insensitive', () => {
  const key = 'sk-shoal-0123456789'
  expect(hasValidApiKey(requestWith(`Bearer ${key}`), key)).toBe(true)
  expect(hasValidApiKey(requestWith(`bearer ${key}`), key)).toBe(true)
  expect(hasValidApiKey(requestWith(`Bearer  ${key} `), key)).toBe(true)
  for (const header of [undefined, '', 'Bearer', 'Bearer ', `Basic ${key}`, `Bearer ${key}x`, `Bearer ${key.slice(1)}`, `Bearer ${key} extra`, key]) {
    expect(hasValidApiKey(requestWith(header), key), String(header)).toBe(false)
  }
})
