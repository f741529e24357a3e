import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { ConfigError } from './errors.ts'
import type { PrivateKey } from '@libp2p/interface'

export interface LoadIdentityKeyOptions {
  signal?: AbortSignal
}

/**
 * Loads the libp2p private key kept in `path`, or creates an Ed25519 key there
 * (mode 0600, parent folders created) when the file does not exist. A stable
 * key keeps the peer id, and so every multiaddr that names it, across restarts.
 *
 * @throws {ConfigError} when the file exists but cannot be read or is not a private key
 */
export async function loadOrCreateIdentityKey (path: string, options: LoadIdentityKeyOptions = {}): Promise<PrivateKey> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path, { signal: options.signal })
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') {
      throw new ConfigError(`cannot read key file ${path}: ${describe(err)}`)
    }
    return createIdentityKey(path)
  }
  try {
    return privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new ConfigError(`key file ${path} does not hold a libp2p private key (${describe(err)}); move it away to create a new identity`)
  }
}

async function createIdentityKey (path: string): Promise<PrivateKey> {
  const key = await generateKeyPair('Ed25519')
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    // `wx` refuses to overwrite: two processes racing on one path must not swap identities silently.
    await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if (errorCode(err) === 'EEXIST') {
      return loadOrCreateIdentityKey(path)
    }
    throw new ConfigError(`cannot create key file ${path}: ${describe(err)}`)
  }
  return key
}

function errorCode (err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined
}

function describe (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
