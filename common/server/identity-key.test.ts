import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { expect, test } from '@playwright/test'
import { loadOrCreateIdentityKey } from './identity-key.ts'

async function temporaryDirectory (): Promise<string> {
  return mkdtemp(join(tmpdir(), 'shoal-key-test-'))
}

async function expectConfigError (promise: Promise<unknown>, message: RegExp): Promise<void> {
  const err: unknown = await promise.then(() => undefined, (reason: unknown) => reason)
  expect(err).toBeInstanceOf(Error)
  if (err instanceof Error) {
    expect(err.name).toBe('ConfigError')
    expect(err.message).toMatch(message)
    expect(err.message).not.toContain('\n')
  }
}

test('creates an Ed25519 key with mode 0600, parent folders included, and reloads the same identity', async () => {
  const path = join(await temporaryDirectory(), 'nested', 'deeper', 'node.key')
  const created = await loadOrCreateIdentityKey(path)
  expect(created.type).toBe('Ed25519')
  expect((await stat(path)).mode & 0o777).toBe(0o600)

  const reloaded = await loadOrCreateIdentityKey(path)
  expect(peerIdFromPrivateKey(reloaded).toString()).toBe(peerIdFromPrivateKey(created).toString())
})

test('two keys in two files are two identities', async () => {
  const directory = await temporaryDirectory()
  const first = await loadOrCreateIdentityKey(join(directory, 'a.key'))
  const second = await loadOrCreateIdentityKey(join(directory, 'b.key'))
  expect(first.publicKey.equals(second.publicKey)).toBe(false)
})

test('a corrupt key file is a ConfigError, and the file is left alone', async () => {
  const path = join(await temporaryDirectory(), 'corrupt.key')
  await writeFile(path, 'not a protobuf key')
  await expectConfigError(loadOrCreateIdentityKey(path), /does not hold a libp2p private key/)
  expect(await readFile(path, 'utf8')).toBe('not a protobuf key')
})

test('an empty key file is a ConfigError', async () => {
  const path = join(await temporaryDirectory(), 'empty.key')
  await writeFile(path, '')
  await expectConfigError(loadOrCreateIdentityKey(path), /does not hold a libp2p private key/)
})

test('a directory where the key file should be is a ConfigError', async () => {
  const path = join(await temporaryDirectory(), 'a-directory')
  await mkdir(path)
  await expectConfigError(loadOrCreateIdentityKey(path), /cannot read key file .*EISDIR/)
})

test('a key file below a regular file cannot be created: ConfigError', async () => {
  const file = join(await temporaryDirectory(), 'file')
  await writeFile(file, '')
  await expectConfigError(loadOrCreateIdentityKey(join(file, 'node.key')), /cannot (read|create) key file/)
})
