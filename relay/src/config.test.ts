import { isAbsolute, resolve } from 'node:path'
import { expect, test } from '@playwright/test'
import { parseRelayOptions } from './config.ts'

function options (argv: string[], env: Record<string, string> = {}): ReturnType<typeof parseRelayOptions> & { help: false } {
  const parsed = parseRelayOptions(argv, env)
  if (parsed.help) {
    throw new Error('unexpected help')
  }
  return parsed
}

test('defaults: 127.0.0.1:8080, 1024 reservations, files in the repository', () => {
  const { options: parsed } = options([])
  expect(parsed).toMatchObject({ host: '127.0.0.1', port: 8080, maxReservations: 1024 })
  expect(isAbsolute(parsed.appDir) && parsed.appDir.endsWith('/build')).toBe(true)
  expect(parsed.keyFile.endsWith('/.shoal/relay.key')).toBe(true)
  expect(parsed.modelDir.endsWith('/.cache/models')).toBe(true)
})

test('flags and SHOAL_RELAY_* variables set every option; given paths are relative to the working directory', () => {
  const { options: parsed } = options(['--port', '0', '--app-dir', 'dist'], {
    SHOAL_RELAY_HOST: '127.0.0.1',
    SHOAL_RELAY_KEY_FILE: 'keys/r.key',
    SHOAL_RELAY_MAX_RESERVATIONS: '5',
    SHOAL_RELAY_MAX_CONNECTIONS_PER_IP: '0',
    SHOAL_RELAY_API_MAX_CONCURRENT_PER_IP: '3',
    SHOAL_APP_DIR: 'ignored-because-flag-wins',
    SHOAL_MODEL_CACHE: 'models',
    SHOAL_PEER_RELAYS: 'https://relay-2.example.org/, http://10.0.0.9:8080'
  })
  expect(parsed).toEqual({
    host: '127.0.0.1',
    port: 0,
    appDir: resolve('dist'),
    keyFile: resolve('keys/r.key'),
    modelDir: resolve('models'),
    maxReservations: 5,
    maxConnections: 4096,
    maxConnectionsPerIp: 0,
    peerRelays: ['https://relay-2.example.org', 'http://10.0.0.9:8080'],
    apiMaxConcurrentPerIp: 3,
    turnUrls: [],
    turnTtl: 3600,
    unlimitedCircuitsFor: []
  })
})

test('bad values are ConfigErrors', () => {
  for (const argv of [['--port', 'abc'], ['--port', '70000'], ['--max-reservations', '0'], ['--host', 'a b'], ['--relay', 'x'], ['--turn-url', 'http://turn.example'], ['--turn-url', 'turn:user:pw@turn.example'], ['--turn-ttl', '5'], ['--peer-relays', 'ws://relay.example.org'], ['--peer-relays', 'https://relay.example.org/app'], ['--api-max-concurrent-per-ip', '-1']]) {
    expect(() => parseRelayOptions(argv, {}), argv.join(' ')).toThrow(expect.objectContaining({ name: 'ConfigError' }))
  }
})

test('--turn-url takes a comma list of stun: and turn: URLs', () => {
  const { options: parsed } = options(['--turn-url', 'turn:198.18.0.3:3478, stun:198.18.0.3:3478', '--turn-secret-file', 'secret.txt', '--turn-ttl', '600'])
  expect(parsed).toMatchObject({ turnUrls: ['turn:198.18.0.3:3478', 'stun:198.18.0.3:3478'], turnSecretFile: resolve('secret.txt'), turnTtl: 600 })
})
