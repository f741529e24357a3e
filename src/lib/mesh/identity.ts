import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { openDatabase } from '../storage/database.ts'

const IDENTITY_KEY = 'peer-private-key'
const IDENTITY_LOCK = 'shoal-peer-identity'

/**
 * The page's libp2p identity. The first tab of a browser profile holds a Web
 * Lock and uses the key kept in IndexedDB, so its peer id (and the receipts
 * issued to it) survive reloads; further tabs at the same time get a fresh
 * key each, since two peers with one id would break the mesh.
 */
export async function loadPageIdentity (): Promise<{ privateKey: PrivateKey, persistent: boolean }> {
  if (!(await holdIdentityLock())) {
    return { privateKey: await generateKeyPair('Ed25519'), persistent: false }
  }
  const database = await openDatabase()
  const stored = await database.get('keyValue', IDENTITY_KEY)
  if (stored instanceof Uint8Array) {
    try {
      return { privateKey: privateKeyFromProtobuf(stored), persistent: true }
    } catch (err) {
      console.warn('Shoal: the stored peer key is unreadable; making a new one', err)
    }
  }
  const privateKey = await generateKeyPair('Ed25519')
  await database.put('keyValue', privateKeyToProtobuf(privateKey), IDENTITY_KEY)
  return { privateKey, persistent: true }
}

/** Resolves true when this tab got the identity lock, which it then holds until it closes. */
function holdIdentityLock (): Promise<boolean> {
  if (navigator.locks === undefined) {
    return Promise.resolve(true)
  }
  return new Promise((resolve) => {
    void navigator.locks.request(IDENTITY_LOCK, { ifAvailable: true }, (lock) => {
      resolve(lock !== null)
      // Hold the lock for the page's lifetime.
      return lock === null ? undefined : new Promise<void>(() => {})
    })
  })
}
