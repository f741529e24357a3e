import { openDatabase } from './database.ts'

/** The page's libp2p private key, as protobuf bytes, in the `keyValue` store since v1. */
const IDENTITY_KEY = 'peer-private-key'

/** The stored key's bytes; undefined when there is none (or something else is stored there). */
export async function readIdentityKey (): Promise<Uint8Array | undefined> {
  const database = await openDatabase()
  const stored = await database.get('keyValue', IDENTITY_KEY)
  return stored instanceof Uint8Array ? stored : undefined
}

export async function writeIdentityKey (bytes: Uint8Array): Promise<void> {
  const database = await openDatabase()
  await database.put('keyValue', bytes, IDENTITY_KEY)
}
