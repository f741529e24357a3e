import { createSocket } from 'node:dgram'
import { lookup } from 'node:dns/promises'
import { randomBytes } from 'node:crypto'

/** RFC 5389's magic cookie, in every STUN message. */
const MAGIC_COOKIE = 0x2112a442
const BINDING_REQUEST = 0x0001
const BINDING_SUCCESS = 0x0101
const MAPPED_ADDRESS = 0x0001
const XOR_MAPPED_ADDRESS = 0x0020
const TIMEOUT_MS = 10_000
const RETRY_MS = 500

/**
 * One STUN binding request (RFC 5389) to `url` (`stun:host[:port]`) over
 * UDP, resent every half second as UDP may drop it. Resolves with the
 * address the server saw (`203.0.113.5:40000`), or undefined when no
 * answer came within 10 s.
 */
export async function stunBindingRequest (url: string): Promise<string | undefined> {
  const match = /^stun:(\[[^\]]+\]|[^:?]+)(?::(\d+))?/.exec(url)
  if (match === null) throw new Error(`not a stun: URL: ${url}`)
  const host = (match[1] ?? '').replace(/^\[|\]$/g, '')
  const port = Number(match[2] ?? 3478)
  const { address, family } = await lookup(host)
  const socket = createSocket(family === 6 ? 'udp6' : 'udp4')
  const transaction = randomBytes(12)
  const request = Buffer.alloc(20)
  request.writeUInt16BE(BINDING_REQUEST, 0)
  request.writeUInt16BE(0, 2)
  request.writeUInt32BE(MAGIC_COOKIE, 4)
  transaction.copy(request, 8)
  try {
    return await new Promise<string | undefined>((resolve, reject) => {
      const deadline = setTimeout(() => { resolve(undefined) }, TIMEOUT_MS)
      const send = (): void => { socket.send(request, port, address) }
      const resend = setInterval(send, RETRY_MS)
      const finish = (value: string | undefined): void => {
        clearTimeout(deadline)
        clearInterval(resend)
        resolve(value)
      }
      socket.on('error', (err) => {
        clearTimeout(deadline)
        clearInterval(resend)
        reject(err)
      })
      socket.on('message', (message) => {
        if (message.length < 20 || message.readUInt16BE(0) !== BINDING_SUCCESS || !message.subarray(8, 20).equals(transaction)) return
        finish(mappedAddress(message))
      })
      send()
    })
  } finally {
    socket.close()
  }
}

/** The (XOR-)MAPPED-ADDRESS of a binding response, IPv4 or IPv6, as `address:port`. */
function mappedAddress (message: Buffer): string | undefined {
  let offset = 20
  const end = Math.min(message.length, 20 + message.readUInt16BE(2))
  let plain: string | undefined
  while (offset + 4 <= end) {
    const type = message.readUInt16BE(offset)
    const length = message.readUInt16BE(offset + 2)
    const value = message.subarray(offset + 4, offset + 4 + length)
    if ((type === XOR_MAPPED_ADDRESS || type === MAPPED_ADDRESS) && value.length >= 8) {
      const xor = type === XOR_MAPPED_ADDRESS
      const family = value[1]
      const port = value.readUInt16BE(2) ^ (xor ? MAGIC_COOKIE >>> 16 : 0)
      // XOR with the cookie, then (IPv6) the transaction id: RFC 5389 §15.2.
      const mask = Buffer.concat([Buffer.alloc(4), message.subarray(8, 20)])
      mask.writeUInt32BE(MAGIC_COOKIE, 0)
      const bytes = [...value.subarray(4, family === 0x02 ? 20 : 8)].map((byte, index) => xor ? byte ^ (mask[index] ?? 0) : byte)
      const text = family === 0x02
        ? Array.from({ length: 8 }, (_, index) => (((bytes[2 * index] ?? 0) << 8) | (bytes[2 * index + 1] ?? 0)).toString(16)).join(':')
        : bytes.join('.')
      const found = family === 0x02 ? `[${text}]:${port}` : `${text}:${port}`
      if (xor) return found
      plain = found
    }
    // Attributes are padded to 4 bytes.
    offset += 4 + Math.ceil(length / 4) * 4
  }
  return plain
}
