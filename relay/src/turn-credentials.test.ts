import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { parseBootstrap } from '#protocol'
import { TurnCredentials, createTurnCredentials, loadTurnSecret, turnRestCredential } from './turn-credentials.ts'

// Known answer, computed independently:
//   printf '%s' '1700003600:peer-a' | openssl dgst -sha1 -hmac 'north-sea-secret' -binary | base64
test('the credential is base64(HMAC-SHA1(secret, "<expiry>:<id>")), as coturn\'s use-auth-secret checks it', () => {
  expect(turnRestCredential('north-sea-secret', 1_700_003_600, 'peer-a')).toEqual({
    username: '1700003600:peer-a',
    credential: 'OPKomWnjd3qkggTpIWCIrhGNRqg='
  })
  expect(turnRestCredential('other-secret', 1_700_003_600, 'peer-a').credential).not.toBe('OPKomWnjd3qkggTpIWCIrhGNRqg=')
})

test('minted credentials expire ttlSeconds from now; STUN URLs carry none', () => {
  const turn = new TurnCredentials({ urls: ['stun:198.18.0.3:3478', 'turn:198.18.0.3:3478'], secret: 'north-sea-secret', ttlSeconds: 3600, now: () => 1_700_000_000_500 })
  const { iceServers, ttlSeconds } = turn.mint('peer-a')
  expect(ttlSeconds).toBe(3600)
  expect(iceServers).toEqual([
    { urls: ['stun:198.18.0.3:3478'] },
    { urls: ['turn:198.18.0.3:3478'], username: '1700003600:peer-a', credential: 'OPKomWnjd3qkggTpIWCIrhGNRqg=' }
  ])
  // Without an id every request gets its own random one.
  const [first, second] = [turn.mint().iceServers[1], turn.mint().iceServers[1]]
  expect(first?.username).toMatch(/^1700003600:[\w-]{12}$/)
  expect(first?.username).not.toBe(second?.username)
})

test('the bootstrap with minted servers still parses, and without TURN it is unchanged', () => {
  const bootstrap = { relayPeerId: '12D3KooWRelay', multiaddrs: [] }
  const turn = new TurnCredentials({ urls: ['turn:turn.example:3478'], secret: 's', ttlSeconds: 600 })
  const served = turn.withIceServers(bootstrap)
  expect(parseBootstrap(JSON.parse(JSON.stringify(served)))).toEqual(served)
  expect(served.iceServersTtlSeconds).toBe(600)
  // A TURN URL without a secret is never handed out (coturn would refuse it).
  expect(new TurnCredentials({ urls: ['turn:turn.example:3478'] }).withIceServers(bootstrap)).toEqual(bootstrap)
})

test('the secret comes from the file\'s first line, else SHOAL_TURN_SECRET; TURN without a secret is a ConfigError', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'shoal-turn-'))
  const file = join(directory, 'secret')
  await writeFile(file, 'from-file\nignored\n')
  expect(await loadTurnSecret(file, { SHOAL_TURN_SECRET: 'from-env' })).toBe('from-file')
  expect(await loadTurnSecret(undefined, { SHOAL_TURN_SECRET: 'from-env' })).toBe('from-env')
  expect(await loadTurnSecret(undefined, {})).toBeUndefined()
  await expect(loadTurnSecret(join(directory, 'missing'), {})).rejects.toMatchObject({ name: 'ConfigError' })
  await expect(createTurnCredentials({ turnUrls: ['turn:turn.example:3478'], turnTtl: 60 }, {})).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringContaining('secret') })
  expect(await createTurnCredentials({ turnUrls: ['stun:turn.example:3478'], turnTtl: 60 }, {})).toBeInstanceOf(TurnCredentials)
  expect(await createTurnCredentials({ turnUrls: [], turnTtl: 60 }, {})).toBeUndefined()
})
