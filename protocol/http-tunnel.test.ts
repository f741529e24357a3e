import { expect, test } from '@playwright/test'
import {
  MAX_HTTP_TUNNEL_DATA_BYTES,
  decodeHttpTunnelFrame,
  decodeHttpTunnelRequestHead,
  decodeHttpTunnelResponseHead,
  encodeHttpTunnelData,
  encodeHttpTunnelEnd,
  encodeHttpTunnelHead,
  splitBody
} from './http-tunnel.ts'
import { MAX_HTTP_TUNNEL_HEAD_BYTES } from './limits.ts'

test('a request head and a response head survive the round trip', () => {
  const request = { method: 'POST' as const, path: '/v1/chat/completions?x=1', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, client: '192.0.2.7' }
  expect(decodeHttpTunnelRequestHead(encodeHttpTunnelHead(request))).toEqual(request)
  const response = { status: 503, headers: { 'content-type': 'application/json', 'retry-after': '2' } }
  expect(decodeHttpTunnelResponseHead(encodeHttpTunnelHead(response))).toEqual(response)
})

test('heads that are not JSON, name unknown headers or methods, or are too large are refused with the reason', () => {
  const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
  expect(() => decodeHttpTunnelRequestHead(bytes('{'))).toThrow(/not JSON/)
  expect(() => decodeHttpTunnelRequestHead(bytes(JSON.stringify({ method: 'DELETE', path: '/v1/models', headers: {}, client: 'c' })))).toThrow(/method/)
  expect(() => decodeHttpTunnelRequestHead(bytes(JSON.stringify({ method: 'GET', path: 'v1/models', headers: {}, client: 'c' })))).toThrow(/path/)
  expect(() => decodeHttpTunnelRequestHead(bytes(JSON.stringify({ method: 'GET', path: '/v1/models', headers: { cookie: 'secret' }, client: 'c' })))).toThrow(/invalid/)
  expect(() => decodeHttpTunnelResponseHead(bytes(JSON.stringify({ status: 99, headers: {} })))).toThrow(/status/)
  expect(() => decodeHttpTunnelResponseHead(new Uint8Array(MAX_HTTP_TUNNEL_HEAD_BYTES + 1))).toThrow(/more than/)
  expect(() => encodeHttpTunnelHead({ status: 200, headers: { 'content-type': 'x'.repeat(MAX_HTTP_TUNNEL_HEAD_BYTES) } })).toThrow(/more than/)
})

test('a body goes in frames that each fit, and its end is a frame of its own', () => {
  const body = new Uint8Array(2 * MAX_HTTP_TUNNEL_DATA_BYTES + 5).map((_, index) => index % 251)
  const pieces = splitBody(body)
  expect(pieces.map((piece) => piece.byteLength)).toEqual([MAX_HTTP_TUNNEL_DATA_BYTES, MAX_HTTP_TUNNEL_DATA_BYTES, 5])
  const frames = pieces.map(encodeHttpTunnelData).map(decodeHttpTunnelFrame)
  expect(Buffer.concat(frames.map((frame) => frame.type === 'data' ? frame.bytes : new Uint8Array()))).toEqual(Buffer.from(body))
  expect(decodeHttpTunnelFrame(encodeHttpTunnelEnd())).toEqual({ type: 'end' })
  expect(splitBody(new Uint8Array())).toEqual([])
  expect(() => decodeHttpTunnelFrame(Uint8Array.of(7))).toThrow(/neither data nor end/)
  expect(() => decodeHttpTunnelFrame(Uint8Array.of(1, 0))).toThrow(/neither data nor end/)
})
