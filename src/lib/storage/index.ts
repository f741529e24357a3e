/**
 * The page's storage, behind one door: the IndexedDB database `shoal`
 * (opened once, through the migration ladder in `database.ts`), the chats,
 * the settings, the receipts, the peer identity key, whether the browser
 * keeps it all under pressure, and the one Web Lock helper the tabs of a
 * profile use to share it. Nothing outside this folder opens the database.
 * Every read is parsed with its schema (`chat-records.ts`,
 * `receipt-records.ts`): another app version, or a devtools edit, may have
 * written it.
 *
 * @example
 * ```ts
 * import { holdWebLock, listConversations, readSetting, writeSetting } from '$lib/storage'
 *
 * const conversations = await listConversations()                        // newest first
 * const settings = await readSetting('chat-settings', schema, defaults)  // parsed, or the defaults
 * await writeSetting('chat-settings', { ...settings, temperature: 0 })
 * const release = await holdWebLock('shoal-contribution', { ifAvailable: true })
 * if (release === undefined) console.log('another tab holds it')
 * ```
 */
export { DATABASE_NAME, DATABASE_VERSION } from './database.ts'
export type { ShoalDatabase } from './database.ts'
export {
  DEFAULT_PRIVACY_POLICY,
  MAX_ANSWER_PARTS,
  MESSAGE_STATUSES,
  PRIVACY_POLICIES,
  conversationRecordSchema,
  messageRecordSchema
} from './chat-records.ts'
export type { AnswerDrafting, AnswerPart, ConversationRecord, MessageRecord, MessageStatus, MessageTimings, MessageUsage, PrivacyPolicy, SentPrompt } from './chat-records.ts'
export {
  deleteConversation,
  listConversations,
  listMessages,
  markAbandonedAnswersInterrupted,
  saveMessage,
  saveTurn
} from './conversation-store.ts'
export { readSetting, writeSetting } from './settings.ts'
export { listStoredReceipts, recentDraftedReceipts, storeReceiptInChain, storeReceipts } from './receipt-store.ts'
export type { AbandonedAnswers } from './conversation-store.ts'
export type { StoreReceiptOutcome, StoreReceiptsOutcome } from './receipt-store.ts'
export type { ReceiptRecord } from './receipt-records.ts'
export { readIdentityKey, writeIdentityKey } from './identity-key.ts'
export { askForPersistentStorage, isStoragePersistent } from './persistent-storage.ts'
export { heldWebLockNames, holdWebLock, whenWebLockFree } from './web-lock.ts'
export type { HoldOptions, ReleaseLock } from './web-lock.ts'
