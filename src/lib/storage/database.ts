import { openDB } from 'idb'
import type { DBSchema, IDBPDatabase } from 'idb'

/**
 * The page's one IndexedDB database. Each store is typed here; each schema
 * change adds a step to the migration ladder in `upgrade` and bumps
 * DATABASE_VERSION, so every older database reaches the current shape.
 */
export interface ShoalDatabase extends DBSchema {
  /** Small named values: the peer identity key, settings. */
  keyValue: {
    key: string
    value: Uint8Array | string | number | boolean
  }
}

export const DATABASE_NAME = 'shoal'
export const DATABASE_VERSION = 1

let opening: Promise<IDBPDatabase<ShoalDatabase>> | undefined

/** Opens (once per page) the database, migrating it to the current version. */
export function openDatabase (): Promise<IDBPDatabase<ShoalDatabase>> {
  opening ??= openDB<ShoalDatabase>(DATABASE_NAME, DATABASE_VERSION, {
    upgrade (database, oldVersion) {
      if (oldVersion < 1) {
        database.createObjectStore('keyValue')
      }
    },
    blocked () {
      console.warn('Shoal: a newer version is open in another tab; close it to finish the upgrade')
    },
    blocking () {
      // Another tab needs a newer schema: let it upgrade, and reopen lazily here.
      void opening?.then((database) => { database.close() })
      opening = undefined
    },
    terminated () {
      opening = undefined
    }
  })
  return opening
}
