import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { parseRelayOptions } from './config.ts'
import { loadTlsFiles, secureWebSocketMultiaddr } from './tls.ts'

test('the announced address becomes /tls/ws, as a page on https derives it from its origin', () => {
  expect(secureWebSocketMultiaddr('/ip4/203.0.113.10/tcp/443/ws')).toBe('/ip4/203.0.113.10/tcp/443/tls/ws')
  expect(secureWebSocketMultiaddr('/dns/shoal.example/tcp/443/ws')).toBe('/dns/shoal.example/tcp/443/tls/ws')
})

test('unreadable or unusable certificate files are ConfigErrors that name the file', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'shoal-tls-'))
  const certFile = join(directory, 'cert.pem')
  const keyFile = join(directory, 'key.pem')
  await expect(loadTlsFiles({ certFile, keyFile })).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringContaining(certFile) })
  await writeFile(certFile, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n')
  await writeFile(keyFile, 'not a key\n')
  await expect(loadTlsFiles({ certFile, keyFile })).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringContaining('not a usable certificate and key') })
})

test('--tls-cert and --tls-key go together', () => {
  expect(() => parseRelayOptions(['--tls-cert', 'cert.pem'], {})).toThrow(expect.objectContaining({ name: 'ConfigError', message: expect.stringContaining('go together') }))
  const parsed = parseRelayOptions(['--tls-cert', 'cert.pem', '--tls-key', 'key.pem'], {})
  expect(parsed.help === false && parsed.options.tlsCert?.endsWith('/cert.pem') && parsed.options.tlsKey?.endsWith('/key.pem')).toBe(true)
})
