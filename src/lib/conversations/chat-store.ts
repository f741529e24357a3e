import {
  deleteConversation,
  heldWebLockNames,
  holdWebLock,
  listConversations,
  listMessages,
  markAbandonedAnswersInterrupted,
  readSetting,
  saveMessage,
  saveTurn,
  whenWebLockFree,
  writeSetting
} from '../storage/index.ts'
import type { ConversationRecord, MessageRecord } from '../storage/index.ts'
import { DEFAULT_CHAT_SETTINGS, chatSettingsSchema } from './chat-settings.ts'
import type { ChatSettings } from './chat-settings.ts'
import { randomId } from './chat-text.ts'
import { listenForChatChanges } from './chat-changes.ts'
import type { ChatChanges } from './chat-changes.ts'

const SETTINGS_KEY = 'chat-settings'

export interface ChatStoreInit {
  /**
   * How often the text of a streaming answer is saved, so a crash loses at most this much.
   *
   * @default 250
   */
  saveIntervalMs?: number
}

/**
 * The chat page's persistence, through `$lib/storage`. Each page life holds
 * a Web Lock whose name its streaming answers carry (`writerLock`): on
 * opening, answers left streaming by a page that is gone become
 * interrupted, and another tab's live ones are left alone until that tab
 * goes too (its lock is let go), when they become interrupted as well. A streaming
 * answer is saved at most every `saveIntervalMs`, and its writes are
 * queued, so a late save never overwrites the final one; each write is
 * announced to the profile's other tabs (chat-changes.ts).
 *
 * @example
 * ```ts
 * const store = new ChatStore()
 * const { conversations, settings } = await store.open()
 * store.saveSoon(streamingAnswer)   // within 250 ms
 * await store.save(finalAnswer)     // after any save still running
 * ```
 */
export class ChatStore {
  /** Held for this page's life; streaming answers carry its name (see `markAbandonedAnswersInterrupted`). */
  readonly writerLock = `shoal-chat-writer-${randomId()}`
  readonly #saveIntervalMs: number
  /** Writes of answers, in order. */
  #saving: Promise<void> = Promise.resolve()
  #saveTimer: ReturnType<typeof setTimeout> | undefined
  /** The latest version of the streaming answer, waiting for `#saveTimer`. */
  #pending: MessageRecord | undefined
  /** Other page lives' writer locks whose release this page waits for. */
  readonly #watchedWriters = new Set<string>()
  /** Notices to and from the profile's other tabs (none before `open`). */
  #changes: ChatChanges | undefined

  constructor (init: ChatStoreInit = {}) {
    this.#saveIntervalMs = init.saveIntervalMs ?? 250
  }

  /**
   * Takes the writer lock, marks abandoned answers interrupted, and reads the
   * conversations (newest first) and settings. `onAbandoned` is called each
   * time answers another page life left streaming are marked later, when
   * that page turns out to be gone; `onChangedElsewhere` each time another
   * tab of the profile writes a conversation's messages.
   */
  async open (options: { onAbandoned?: () => void, onChangedElsewhere?: (conversationId: string) => void } = {}): Promise<{ conversations: ConversationRecord[], settings: ChatSettings }> {
    await holdWebLock(this.writerLock)
    this.#changes?.close()
    this.#changes = listenForChatChanges(options.onChangedElsewhere ?? (() => {}))
    const { liveWriters } = await markAbandonedAnswersInterrupted(await heldWebLockNames())
    this.#watchWriters(liveWriters, options.onAbandoned ?? (() => {}))
    const [conversations, settings] = await Promise.all([
      listConversations(),
      readSetting(SETTINGS_KEY, chatSettingsSchema, DEFAULT_CHAT_SETTINGS)
    ])
    return { conversations, settings }
  }

  /**
   * Waits for each writer's lock to be let go, then marks its answers still
   * streaming interrupted. A reload can open the next page life before the
   * browser lets go of the last one's lock, which then looked live at open.
   */
  #watchWriters (writers: Iterable<string>, onAbandoned: () => void): void {
    for (const writer of writers) {
      if (writer === this.writerLock || this.#watchedWriters.has(writer)) continue
      this.#watchedWriters.add(writer)
      whenWebLockFree(writer)
        .then(async () => await markAbandonedAnswersInterrupted(await heldWebLockNames()))
        .then(({ marked, liveWriters }) => {
          this.#watchedWriters.delete(writer)
          this.#watchWriters(liveWriters, onAbandoned)
          if (marked > 0) onAbandoned()
        })
        .catch((err: unknown) => { console.warn('Shoal: cannot mark an abandoned answer interrupted', err) })
    }
  }

  async listMessages (conversationId: string): Promise<MessageRecord[]> {
    return listMessages(conversationId)
  }

  /** Writes a conversation and some of its messages at once (an empty list: the conversation alone). */
  async saveTurn (conversation: ConversationRecord, messages: MessageRecord[]): Promise<void> {
    await saveTurn(conversation, messages)
    this.#changes?.announce(conversation.id)
  }

  async deleteConversation (conversationId: string): Promise<void> {
    await deleteConversation(conversationId)
  }

  /** Stores the settings; a failure only means the next visit will not remember them. */
  async saveSettings (settings: ChatSettings): Promise<void> {
    await writeSetting(SETTINGS_KEY, settings).catch((err: unknown) => {
      console.warn('Shoal: cannot store the chat settings', err)
    })
  }

  /** Saves a streaming answer's latest version within `saveIntervalMs` (later calls before then replace it). */
  saveSoon (record: MessageRecord): void {
    this.#pending = record
    this.#saveTimer ??= setTimeout(() => {
      this.#saveTimer = undefined
      const pending = this.#pending
      this.#pending = undefined
      if (pending !== undefined) {
        this.save(pending).catch((err: unknown) => { console.warn('Shoal: cannot save the partial answer', err) })
      }
    }, this.#saveIntervalMs)
  }

  /** Saves `record` after every earlier write; a `saveSoon` not done yet is dropped (this one is newer). */
  save (record: MessageRecord): Promise<void> {
    if (this.#pending?.id === record.id) {
      clearTimeout(this.#saveTimer)
      this.#saveTimer = undefined
      this.#pending = undefined
    }
    this.#saving = this.#saving.catch(() => {}).then(async () => {
      await saveMessage(record)
      this.#changes?.announce(record.conversationId)
    })
    return this.#saving
  }
}
