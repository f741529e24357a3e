import { expect, test } from '@playwright/test'
import { parseGpuNodeOptions } from './config.ts'
import type { GpuNodeOptions } from './config.ts'

const RELAY_ID = '12D3KooWJoX8Na6nM7eBHB4QK4fzrph7axdRDfJAC2rMDHmvoL5K'

function options (argv: string[], env: Record<string, string> = {}): GpuNodeOptions {
  const parsed = parseGpuNodeOptions(argv, env)
  if (parsed.help) {
    throw new Error('unexpected help')
  }
  return parsed.options
}

function configErrorMessage (argv: string[], env: Record<string, string> = {}): string {
  try {
    parseGpuNodeOptions(argv, env)
  } catch (err) {
    if (err instanceof Error && err.name === 'ConfigError') {
      return err.message
    }
    throw err
  }
  throw new Error(`expected a ConfigError for ${argv.join(' ')}`)
}

test('defaults: relay on localhost:8080, API on 127.0.0.1:8081, no ICE servers', () => {
  const parsed = options([])
  expect(parsed.relays).toEqual([{ kind: 'origin', origin: new URL('http://localhost:8080') }])
  expect(parsed).toMatchObject({ apiHost: '127.0.0.1', apiPort: 8081, capacity: 4, iceServers: [] })
  expect(parsed.keyFile.endsWith('/.shoal/gpu-node.key')).toBe(true)
})

test('the relay may be an origin (path dropped) or a multiaddr naming its peer id', () => {
  expect(options(['--relay', 'https://relay.example.org/app/']).relays).toEqual([{ kind: 'origin', origin: new URL('https://relay.example.org') }])
  const [relay] = options([], { SHOAL_RELAY: `/ip4/127.0.0.1/tcp/8080/ws/p2p/${RELAY_ID}` }).relays
  expect(relay?.kind).toBe('multiaddr')
  if (relay?.kind === 'multiaddr') {
    expect(relay.multiaddr.toString()).toBe(`/ip4/127.0.0.1/tcp/8080/ws/p2p/${RELAY_ID}`)
  }
})

test('several relays, comma-separated, keep their order', () => {
  const relays = options(['--relay', 'https://relay-1.example.org, https://relay-2.example.org']).relays
  expect(relays.map((relay) => relay.kind === 'origin' ? relay.origin.origin : '')).toEqual(['https://relay-1.example.org', 'https://relay-2.example.org'])
  expect(configErrorMessage(['--relay', ' , '])).toContain('names no relay')
  expect(configErrorMessage(['--relay', 'https://relay-1.example.org,nope'])).toContain('must be an http(s) URL')
})

test('bad relay addresses are one-line ConfigErrors', () => {
  expect(configErrorMessage(['--relay', 'not-an-address'])).toMatch(/^invalid --relay "not-an-address": must be an http\(s\) URL/)
  expect(configErrorMessage(['--relay', '/ip4/127.0.0.1/tcp/8080/ws'])).toContain('must end with /p2p/<relay peer id>')
  expect(configErrorMessage(['--relay', '/ip4/999.0.0.1/tcp/x'])).toContain('is not a valid multiaddr')
  expect(configErrorMessage(['--relay', 'http://'])).toContain('--relay')
  expect(configErrorMessage(['--relay', 'ftp://relay'])).toContain('must be an http(s) URL')
})

test('the GPU pass-cost emulation is off unless asked for, and a bad profile is a one-line ConfigError naming the choices', () => {
  expect(options([]).emulatePassCost).toBeUndefined()
  expect(options(['--emulate-pass-cost', 'h100-70b']).emulatePassCost).toBe('h100-70b')
  expect(options([], { SHOAL_EMULATE_PASS_COST: '30,0.25' }).emulatePassCost).toBe('30,0.25')
  // A profile file is read when the node starts, not here.
  expect(options(['--emulate-pass-cost', 'measured-a100.json']).emulatePassCost).toBe('measured-a100.json')
  expect(configErrorMessage(['--emulate-pass-cost', 'fast'])).toMatch(/--emulate-pass-cost.*h100-8b, h100-70b/)
})

test('ICE servers come as JSON and are checked', () => {
  expect(options([], { SHOAL_ICE_SERVERS: '[{"urls":"stun:stun.example.org:3478"}]' }).iceServers).toEqual([{ urls: 'stun:stun.example.org:3478' }])
  expect(configErrorMessage([], { SHOAL_ICE_SERVERS: '{' })).toContain('invalid SHOAL_ICE_SERVERS')
  expect(configErrorMessage([], { SHOAL_ICE_SERVERS: '[{"url":"stun:x"}]' })).toContain('invalid SHOAL_ICE_SERVERS')
})

test('bad ports, capacities and unknown flags are ConfigErrors', () => {
  expect(configErrorMessage(['--api-port', '70000'])).toContain('--api-port')
  expect(configErrorMessage(['--capacity', '0'])).toContain('--capacity')
  expect(configErrorMessage(['--modle', 'x'])).toBe('unknown option --modle (see --help)')
})

test('model options: demo model by default, threads never unset, limits with defaults', () => {
  const parsed = options([])
  expect(parsed.model).toBeUndefined()
  expect(parsed.modelName).toBeUndefined()
  expect(parsed.threads).toBeGreaterThanOrEqual(1)
  expect(parsed.threads).toBeLessThanOrEqual(4)
  expect(parsed).toMatchObject({ gpu: 'auto', queueSize: 32, clientMaxConcurrent: 2, clientMaxTokens: 4096, streamInterval: 16 })
  expect(parsed.contextSize).toBeUndefined()

  const set = options(['--model', 'hf:user/repo:Q4_K_M', '--threads', '1', '--gpu', 'off', '--queue-size', '0', '--client-max-concurrent', '5', '--client-max-tokens', '100', '--context-size', '512', '--stream-interval', '0'], { SHOAL_MODEL_NAME: 'mine' })
  expect(set).toMatchObject({ model: 'hf:user/repo:Q4_K_M', modelName: 'mine', threads: 1, gpu: 'off', queueSize: 0, clientMaxConcurrent: 5, clientMaxTokens: 100, contextSize: 512, streamInterval: 0 })
  expect(options([], { SHOAL_MODEL: '/models/x.gguf', SHOAL_THREADS: '3', SHOAL_GPU: 'off', SHOAL_QUEUE_SIZE: '7' })).toMatchObject({ model: '/models/x.gguf', threads: 3, gpu: 'off', queueSize: 7 })
})

test('bad model options are ConfigErrors naming the flag', () => {
  expect(configErrorMessage(['--threads', '0'])).toContain('--threads')
  expect(configErrorMessage(['--gpu', 'cuda'])).toBe('invalid --gpu "cuda": must be "auto" or "off"')
  expect(configErrorMessage(['--queue-size', '-1'])).toContain('--queue-size')
  expect(configErrorMessage(['--client-max-concurrent', '0'])).toContain('--client-max-concurrent')
  expect(configErrorMessage(['--client-max-tokens', 'lots'])).toContain('--client-max-tokens')
  expect(configErrorMessage(['--context-size', '10'])).toContain('--context-size')
  expect(configErrorMessage(['--stream-interval', '-5'])).toContain('--stream-interval')
  expect(configErrorMessage(['--model', ' '])).toContain('--model')
})
