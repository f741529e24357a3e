import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { holdWebLock, readIdentityKey, writeIdentityKey } from '../storage/index.ts'

const IDENTITY_LOCK = 'shoal-peer-identity'

/**
 * The page's libp2p identity. The first tab of a browser profile holds a Web
 * Lock and uses the key kept in IndexedDB, so its peer id (and the receipts
 * issued to it) survive reloads; further tabs at the same time get a fresh
 * key each, since two peers with one id would break the mesh.
 */
export async function loadPageIdentity (): Promise<{ privateKey: PrivateKey, persistent: boolean }> {
  // Held for the page's lifetime: never released.
  if (await holdWebLock(IDENTITY_LOCK, { ifAvailable: true }) === undefined) {
    return { privateKey: await generateKeyPair('Ed25519'), persistent: false }
  }
  const stored = await readIdentityKey()
  if (stored !== undefined) {
    try {
      return { privateKey: privateKeyFromProtobuf(stored), persistent: true }
    } catch (err) {
      console.warn('Shoal: the stored peer key is unreadable; making a new one', err)
    }
  }
  const privateKey = await generateKeyPair('Ed25519')
  await writeIdentityKey(privateKeyToProtobuf(privateKey))
  return { privateKey, persistent: true }
}
