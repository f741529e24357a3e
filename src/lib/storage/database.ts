import { openDB } from 'idb'
import type { DBSchema, IDBPDatabase } from 'idb'
import type { ConversationRecord, MessageRecord, MessageStatus } from './chat-records.ts'
import type { ReceiptRecord } from './receipt-records.ts'

/**
 * The page's one IndexedDB database. Each store is typed here; each schema
 * change adds a step to the migration ladder in `upgrade` and bumps
 * DATABASE_VERSION, so every older database reaches the current shape.
 * Values are typed for writing; every read is parsed again with its schema
 * (`chat-records.ts`, `receipt-records.ts`), since another version of the app
 * may have written it.
 */
export interface ShoalDatabase extends DBSchema {
  /** Small named values: the peer identity key, settings. */
  keyValue: {
    key: string
    value: Uint8Array | string | number | boolean
  }
  /** Since v2: one record per chat, listed newest first by `updatedAt`. */
  conversations: {
    key: string
    value: ConversationRecord
    indexes: { 'by-updated': number }
  }
  /** Since v2: the turns of every chat, in order by `sequence` within their conversation. */
  messages: {
    key: string
    value: MessageRecord
    indexes: {
      'by-conversation': [string, number]
      'by-status': MessageStatus
    }
  }
  /**
   * Since v3: signed receipts, keyed by issuer and id (ids are unique per issuer). `by-chain`
   * finds a subject's newest receipt from an issuer; `by-issued` lists them by the issuer's clock.
   */
  receipts: {
    key: [string, string]
    value: ReceiptRecord
    indexes: {
      'by-chain': [string, string, number]
      'by-issued': number
      'by-kind-issued': [string, number]
    }
  }
}

export const DATABASE_NAME = 'shoal'
export const DATABASE_VERSION = 3

let opening: Promise<IDBPDatabase<ShoalDatabase>> | undefined

/** Opens (once per page) the database, migrating it to the current version. */
export function openDatabase (): Promise<IDBPDatabase<ShoalDatabase>> {
  opening ??= openDB<ShoalDatabase>(DATABASE_NAME, DATABASE_VERSION, {
    upgrade (database, oldVersion) {
      // Each step takes a database of the version before it; keep steps forever and never edit
      // one that has shipped, or databases created by it would miss later changes.
      if (oldVersion < 1) {
        database.createObjectStore('keyValue')
      }
      if (oldVersion < 2) {
        const conversations = database.createObjectStore('conversations', { keyPath: 'id' })
        conversations.createIndex('by-updated', 'updatedAt')
        const messages = database.createObjectStore('messages', { keyPath: 'id' })
        messages.createIndex('by-conversation', ['conversationId', 'sequence'], { unique: true })
        messages.createIndex('by-status', 'status')
      }
      if (oldVersion < 3) {
        const receipts = database.createObjectStore('receipts', { keyPath: ['issuer', 'id'] })
        // Not unique: a misbehaving issuer may sign two receipts for one place, and the chain check must see both.
        receipts.createIndex('by-chain', ['issuer', 'subject', 'sequence'])
        receipts.createIndex('by-issued', 'issuedAt')
        // Drafted receipts of the last day are read before every chat (to present them): only those are walked.
        receipts.createIndex('by-kind-issued', ['kind', 'issuedAt'])
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
