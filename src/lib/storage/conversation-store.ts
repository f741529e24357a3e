import { conversationRecordSchema, messageRecordSchema, parseStored } from './chat-records.ts'
import type { ConversationRecord, MessageRecord } from './chat-records.ts'
import { openDatabase } from './database.ts'

/**
 * Reads and writes chats in IndexedDB. Every read is schema-parsed; writes
 * that belong together (a turn's messages and the conversation's new
 * `updatedAt`, a conversation and its messages on delete) share one
 * transaction, so a crash never leaves half of them.
 *
 * @example
 * ```ts
 * const conversations = await listConversations()          // newest first
 * const messages = await listMessages(conversations[0].id)  // in order
 * await saveMessage({ ...messages.at(-1), content: 'more' })
 * ```
 */

/** Every conversation, most recently updated first. */
export async function listConversations (): Promise<ConversationRecord[]> {
  const database = await openDatabase()
  const stored: unknown[] = await database.getAllFromIndex('conversations', 'by-updated')
  return stored
    .map((value) => parseStored(conversationRecordSchema, value, 'conversation'))
    .filter((record) => record !== undefined)
    .reverse()
}

/** The messages of one conversation, in order. */
export async function listMessages (conversationId: string): Promise<MessageRecord[]> {
  const database = await openDatabase()
  const range = IDBKeyRange.bound([conversationId, 0], [conversationId, Number.MAX_SAFE_INTEGER])
  const stored: unknown[] = await database.getAllFromIndex('messages', 'by-conversation', range)
  return stored
    .map((value) => parseStored(messageRecordSchema, value, 'message'))
    .filter((record) => record !== undefined)
}

/** Writes a conversation and some of its messages at once. */
export async function saveTurn (conversation: ConversationRecord, messages: MessageRecord[]): Promise<void> {
  const database = await openDatabase()
  const transaction = database.transaction(['conversations', 'messages'], 'readwrite')
  const conversations = transaction.objectStore('conversations')
  const messageStore = transaction.objectStore('messages')
  await Promise.all([
    conversations.put(conversation),
    ...messages.map((message) => messageStore.put(message)),
    transaction.done
  ])
}

/** Writes one message (a streaming answer's latest text, its final state). */
export async function saveMessage (message: MessageRecord): Promise<void> {
  const database = await openDatabase()
  await database.put('messages', message)
}

/** Deletes a conversation and all its messages. */
export async function deleteConversation (conversationId: string): Promise<void> {
  const database = await openDatabase()
  const transaction = database.transaction(['conversations', 'messages'], 'readwrite')
  const range = IDBKeyRange.bound([conversationId, 0], [conversationId, Number.MAX_SAFE_INTEGER])
  const messages = transaction.objectStore('messages')
  const keys = await messages.index('by-conversation').getAllKeys(range)
  await Promise.all([
    transaction.objectStore('conversations').delete(conversationId),
    ...keys.map((key) => messages.delete(key)),
    transaction.done
  ])
}

/** What `markAbandonedAnswersInterrupted` did. */
export interface AbandonedAnswers {
  /** Answers marked interrupted. */
  marked: number
  /**
   * Writer locks of the answers left streaming: another tab's live ones, or
   * those of a page that has just gone, whose lock the browser has not let
   * go of yet (a reload can open the next page life first).
   */
  liveWriters: Set<string>
}

/**
 * Marks as 'interrupted' every answer left 'streaming' by a page that is
 * gone (a crash, a reload, a closed tab). An answer whose writer lock is in
 * `liveWriterLocks` is still streaming in another tab and is left alone.
 */
export async function markAbandonedAnswersInterrupted (liveWriterLocks: ReadonlySet<string>, nowMs = Date.now()): Promise<AbandonedAnswers> {
  const database = await openDatabase()
  const transaction = database.transaction('messages', 'readwrite')
  const store = transaction.objectStore('messages')
  let marked = 0
  const liveWriters = new Set<string>()
  let cursor = await store.index('by-status').openCursor('streaming')
  while (cursor !== null) {
    const message = parseStored(messageRecordSchema, cursor.value, 'message')
    if (message !== undefined && (message.writerLock === undefined || !liveWriterLocks.has(message.writerLock))) {
      await cursor.update({ ...message, status: 'interrupted', writerLock: undefined, updatedAt: nowMs })
      marked++
    } else if (message?.writerLock !== undefined) {
      liveWriters.add(message.writerLock)
    }
    cursor = await cursor.continue()
  }
  await transaction.done
  return { marked, liveWriters }
}
