import { z } from 'zod'
import { chatWithVerifier, pickVerifier } from '../chat/index.ts'
import type { ChatMessage, ChatNode, ChatStreamEvent, VerifierCandidate } from '../chat/index.ts'
import { MAX_CHAT_MAX_TOKENS, MAX_CHAT_TEMPERATURE } from '#protocol'
import type { PriorityTier, SignedReceipt } from '#protocol'
import { keepArrivedReceipt, presentableReceipts } from '../receipts/index.ts'
import {
  DEFAULT_PRIVACY_POLICY,
  PRIVACY_POLICIES,
  deleteConversation,
  heldWebLockNames,
  holdWebLock,
  listConversations,
  listMessages,
  markAbandonedAnswersInterrupted,
  readSetting,
  saveMessage,
  saveTurn,
  writeSetting
} from '../storage/index.ts'
import type { ConversationRecord, MessageRecord, PrivacyPolicy } from '../storage/index.ts'
import { chatFailure, describeChatFailure, isDemoModelName, randomId, titleFromMessage } from './chat-text.ts'

export const chatSettingsSchema = z.object({
  temperature: z.number().min(0).max(MAX_CHAT_TEMPERATURE),
  maxTokens: z.number().int().min(1).max(MAX_CHAT_MAX_TOKENS),
  /** Privacy of new chats (settings stored before it existed read as the default). */
  privacy: z.enum(PRIVACY_POLICIES).default(DEFAULT_PRIVACY_POLICY)
})
export type ChatSettings = z.infer<typeof chatSettingsSchema>

/** Some variety for people; the settings panel offers 0 for reproducible (greedy) answers. */
export const DEFAULT_CHAT_SETTINGS: ChatSettings = { temperature: 0.7, maxTokens: 512, privacy: DEFAULT_PRIVACY_POLICY }
const SETTINGS_KEY = 'chat-settings'
/** How long a hidden tab (which gets no animation frames) waits to show more of a streaming answer. */
const HIDDEN_FLUSH_MS = 200

/** A verifier as the mesh lists it: what picking one needs, plus its announced model. */
export type VerifierPeer = VerifierCandidate & { model: string }

export interface ChatStateInit<Peer extends VerifierPeer> {
  /** The page's mesh: who can answer, the node to reach them through, and this page's peer id (receipts name it). */
  mesh: { readonly peers: readonly Peer[], readonly node: ChatNode | undefined, readonly peerId?: string }
  /**
   * Sends one chat (a seam for tests).
   *
   * @default chatWithVerifier
   */
  chat?: typeof chatWithVerifier
  /**
   * How often the text of a streaming answer is saved, so a crash loses at most this much.
   *
   * @default 250
   */
  saveIntervalMs?: number
  /**
   * How long a message (or a retry) waits for a verifier when none is known yet, before the user is
   * told that none is reachable.
   *
   * @default 8000
   */
  verifierWaitMs?: number
  /** A model on this device that can answer instead of the mesh (see `answerWith`). */
  device?: DeviceAnswerer
}

/** Who answers: a verifier on the mesh, or the model loaded on this device. */
export type AnswerWith = 'mesh' | 'device'

/**
 * A model running on this device, as the chat needs it: its name once it is
 * ready, and a chat that streams the same events a verifier sends. A device
 * that goes away mid-answer (the model unloaded, its worker gone) ends the
 * stream with an `EngineDisposedError`.
 */
export interface DeviceAnswerer {
  /** The loaded model's name; undefined while none is ready. */
  readonly model: string | undefined
  chat: (request: { messages: ChatMessage[], maxTokens: number, temperature: number }, options: { signal: AbortSignal }) => AsyncIterable<ChatStreamEvent>
}

export const DEVICE_GONE_TEXT = 'The model on this device was unloaded before finishing this answer.'
export const NO_DEVICE_MODEL_TEXT = 'No model is loaded on this device, so nothing was sent. Load one (or answer with the mesh), then send again.'

const VERIFIER_POLL_MS = 200

/** The answer being generated right now. */
export interface LiveAnswer {
  messageId: string
  conversationId: string
  /** connecting: opening the chat; queued: the verifier has it waiting; answering: tokens arrive. */
  phase: 'connecting' | 'queued' | 'answering' | 'stopping'
  queuePosition?: number
  etaMs?: number
  /** While queued: contributors wait ahead of consumers. */
  tier?: PriorityTier
}

export interface ChatNotice {
  kind: 'no-verifier' | 'error'
  text: string
}

export const NO_VERIFIER_TEXT = 'No verifier is reachable right now, so nothing was sent. Your message is kept: send it again once a verifier has joined the mesh (the Network page lists them).'

/**
 * The chat page's state: the conversation list, the open conversation's
 * messages, the answer being streamed, and the settings. Everything is kept
 * in IndexedDB; a streaming answer is saved every `saveIntervalMs` and when
 * it ends, and an answer whose page died mid-stream is shown as interrupted
 * the next time the page loads. One answer streams at a time.
 *
 * @example
 * ```ts
 * const chat = new ChatState({ mesh: meshNode() })
 * await chat.load()
 * if (!await chat.send('Hello!')) console.log(chat.notice?.text)   // no verifier: message kept
 * chat.stop()                                                       // keeps the partial answer
 * ```
 */
export class ChatState<Peer extends VerifierPeer = VerifierPeer> {
  /** Every conversation, most recently used first. */
  conversations = $state.raw<ConversationRecord[]>([])
  /** The open conversation; undefined for a new chat not sent yet. */
  selectedId = $state<string | undefined>()
  /** The open conversation's messages, in order (the streaming answer included, as it grows). */
  messages = $state.raw<MessageRecord[]>([])
  live = $state.raw<LiveAnswer | undefined>()
  notice = $state.raw<ChatNotice | undefined>()
  settings = $state.raw<ChatSettings>(DEFAULT_CHAT_SETTINGS)
  /** Stored chats have been read (or failed to be: see `loadError`). */
  ready = $state(false)
  loadError = $state<string | undefined>()
  /** A message waits for a verifier to be heard of (see `verifierWaitMs`). */
  lookingForVerifier = $state(false)
  /** The user's choice; the device also answers, whatever the choice, when no verifier is reachable. */
  answerWith = $state<AnswerWith>('mesh')

  readonly #mesh: ChatStateInit<Peer>['mesh']
  readonly #chat: typeof chatWithVerifier
  readonly #saveIntervalMs: number
  readonly #verifierWaitMs: number
  readonly #device: DeviceAnswerer | undefined
  /** Held for this page's life; streaming answers carry its name (see `markAbandonedAnswersInterrupted`). */
  readonly #writerLock = `shoal-chat-writer-${randomId()}`
  #controller: AbortController | undefined
  #generation: Promise<void> | undefined
  /** The streaming answer as last updated, whichever conversation is open. */
  #liveRecord: MessageRecord | undefined
  /** A streaming answer waiting for the next frame to be shown (see #showSoon). */
  #nextFrame: MessageRecord | undefined
  #saveTimer: ReturnType<typeof setTimeout> | undefined
  /** Writes of one answer, in order: a late throttled save must never overwrite the final one. */
  #saving: Promise<void> = Promise.resolve()
  #selecting = 0
  /** Whose messages `messages` holds: differs from `selectedId` while a conversation loads. */
  #messagesOf: string | undefined

  constructor (init: ChatStateInit<Peer>) {
    this.#mesh = init.mesh
    this.#chat = init.chat ?? chatWithVerifier
    this.#saveIntervalMs = init.saveIntervalMs ?? 250
    this.#verifierWaitMs = init.verifierWaitMs ?? 8_000
    this.#device = init.device
  }

  get selected (): ConversationRecord | undefined {
    return this.conversations.find((conversation) => conversation.id === this.selectedId)
  }

  /** The verifier a message sent now would go to (reactive: follows the mesh's peer list). */
  get nextVerifier (): Peer | undefined {
    return pickVerifier(this.#mesh.peers)
  }

  /** The model on this device, when one is ready. */
  get deviceModel (): string | undefined {
    return this.#device?.model
  }

  /**
   * Whether a message sent now is answered on this device: the user chose
   * it, or a model is ready here and no verifier is reachable.
   */
  get answersOnDevice (): boolean {
    return this.answerWith === 'device' || (this.deviceModel !== undefined && this.nextVerifier === undefined)
  }

  /** Reads the stored chats and opens the most recent one. Call once per page. */
  async load (): Promise<void> {
    try {
      await holdWebLock(this.#writerLock)
      await markAbandonedAnswersInterrupted(await heldWebLockNames())
      const [conversations, settings] = await Promise.all([
        listConversations(),
        readSetting(SETTINGS_KEY, chatSettingsSchema, DEFAULT_CHAT_SETTINGS)
      ])
      this.conversations = conversations
      this.settings = settings
      const latest = conversations[0]
      if (latest !== undefined && this.selectedId === undefined) {
        await this.select(latest.id)
      }
    } catch (err) {
      console.error('Shoal: cannot read stored chats', err)
      this.loadError = `Stored chats cannot be read: ${describe(err)}`
    } finally {
      this.ready = true
    }
  }

  async select (conversationId: string): Promise<void> {
    const selecting = ++this.#selecting
    this.selectedId = conversationId
    this.notice = undefined
    let messages: MessageRecord[]
    try {
      messages = await listMessages(conversationId)
    } catch (err) {
      this.notice = { kind: 'error', text: `This conversation cannot be read: ${describe(err)}` }
      return
    }
    if (selecting !== this.#selecting) {
      return
    }
    // The stored copy of a streaming answer lags by up to one save interval.
    const live = this.#liveRecord
    this.messages = live === undefined ? messages : messages.map((message) => message.id === live.id ? live : message)
    this.#messagesOf = conversationId
  }

  /** Opens an empty chat; it is stored when its first message is sent. */
  startNew (): void {
    this.#selecting++
    this.selectedId = undefined
    this.messages = []
    this.#messagesOf = undefined
    this.notice = undefined
  }

  async delete (conversationId: string): Promise<void> {
    if (this.live?.conversationId === conversationId) {
      this.stop()
      await this.#generation
    }
    try {
      await deleteConversation(conversationId)
    } catch (err) {
      this.notice = { kind: 'error', text: `The conversation cannot be deleted: ${describe(err)}` }
      return
    }
    this.conversations = this.conversations.filter((conversation) => conversation.id !== conversationId)
    if (this.selectedId === conversationId) {
      this.startNew()
    }
  }

  async updateSettings (settings: ChatSettings): Promise<void> {
    const parsed = chatSettingsSchema.safeParse(settings)
    if (!parsed.success) {
      return
    }
    this.settings = parsed.data
    await writeSetting(SETTINGS_KEY, parsed.data).catch((err: unknown) => {
      // They still apply to this page; only the next visit will not remember them.
      console.warn('Shoal: cannot store the chat settings', err)
    })
  }

  /**
   * Changes who may see the open conversation from its next answer on:
   * `drafters-allowed` lets contributing browsers draft for it (they see its
   * text); `verifier-only` keeps it between this page and the verifier.
   */
  async setPrivacy (privacy: PrivacyPolicy): Promise<void> {
    const conversation = this.selected
    if (conversation === undefined || conversation.privacy === privacy) {
      return
    }
    const updated = { ...conversation, privacy }
    try {
      await saveTurn(updated, [])
    } catch (err) {
      this.notice = { kind: 'error', text: `The privacy setting cannot be stored: ${describe(err)}` }
      return
    }
    this.conversations = this.conversations.map((other) => other.id === updated.id ? updated : other)
  }

  /**
   * Sends a user message in the open conversation (starting one if none is
   * open) and streams the answer. Resolves false, storing nothing, when the
   * message cannot be sent now (no verifier reachable, an answer still
   * streaming): the caller keeps the text.
   */
  async send (text: string): Promise<boolean> {
    const content = text.trim()
    if (content === '' || this.live !== undefined || this.lookingForVerifier || this.#messagesOf !== this.selectedId) {
      return false
    }
    this.notice = undefined
    const onDevice = this.answersOnDevice
    if (onDevice && this.deviceModel === undefined) {
      this.notice = { kind: 'no-verifier', text: NO_DEVICE_MODEL_TEXT }
      return false
    }
    const verifier = onDevice ? undefined : await this.#findVerifier()
    if (!onDevice && verifier === undefined) {
      this.notice = { kind: 'no-verifier', text: NO_VERIFIER_TEXT }
      return false
    }
    if (this.live !== undefined || this.#messagesOf !== this.selectedId) {
      return false
    }
    const now = Date.now()
    const existing = this.selected
    const conversation: ConversationRecord = existing === undefined
      ? { id: randomId(), title: titleFromMessage(content), createdAt: now, updatedAt: now, privacy: this.settings.privacy }
      : { ...existing, updatedAt: now }
    const previous = existing === undefined ? [] : this.messages
    const sequence = (previous.at(-1)?.sequence ?? -1) + 1
    const question: MessageRecord = { id: randomId(), conversationId: conversation.id, sequence, role: 'user', content, status: 'complete', createdAt: now, updatedAt: now }
    const answer = this.#newAnswer(conversation.id, sequence + 1, verifier, now)
    try {
      await saveTurn(conversation, [question, answer])
    } catch (err) {
      this.notice = { kind: 'error', text: `The message cannot be stored, so it was not sent: ${describe(err)}` }
      return false
    }

    this.conversations = [conversation, ...this.conversations.filter((other) => other.id !== conversation.id)]
    this.#selecting++
    this.selectedId = conversation.id
    this.messages = [...previous, question, answer]
    this.#messagesOf = conversation.id
    this.#startGeneration(answer, conversation, verifier)
    return true
  }

  /**
   * Generates an answer again (one that was interrupted, stopped or failed),
   * from another verifier when there is one, else from the same one.
   */
  async retry (messageId: string): Promise<void> {
    const message = this.messages.find((candidate) => candidate.id === messageId)
    const conversation = this.selected
    if (message === undefined || message.role !== 'assistant' || conversation === undefined || this.live !== undefined || this.lookingForVerifier) {
      return
    }
    const exclude = message.verifierPeerId === undefined ? [] : [message.verifierPeerId]
    this.notice = undefined
    const onDevice = this.answersOnDevice
    if (onDevice && this.deviceModel === undefined) {
      this.notice = { kind: 'no-verifier', text: NO_DEVICE_MODEL_TEXT }
      return
    }
    const verifier = onDevice ? undefined : pickVerifier(this.#mesh.peers, exclude) ?? await this.#findVerifier()
    if (this.live !== undefined) {
      return
    }
    if (!onDevice && verifier === undefined) {
      this.notice = { kind: 'no-verifier', text: 'No verifier is reachable right now. Retry once a verifier has joined the mesh (the Network page lists them).' }
      return
    }
    const answer: MessageRecord = { ...this.#newAnswer(message.conversationId, message.sequence, verifier, Date.now()), id: message.id, createdAt: message.createdAt }
    try {
      await saveMessage(answer)
    } catch (err) {
      this.notice = { kind: 'error', text: `The answer cannot be stored, so it was not retried: ${describe(err)}` }
      return
    }
    this.#show(answer)
    this.#startGeneration(answer, conversation, verifier)
  }

  /**
   * The verifier to send to, waiting a little for one when there is none
   * yet: a page that has just loaded needs a few seconds to hear the
   * verifiers' announcements, and Enter pressed in those seconds should not fail.
   */
  async #findVerifier (): Promise<Peer | undefined> {
    const deadline = Date.now() + this.#verifierWaitMs
    let verifier = this.nextVerifier
    if (verifier === undefined || this.#mesh.node === undefined) {
      this.lookingForVerifier = true
      try {
        while ((verifier === undefined || this.#mesh.node === undefined) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, VERIFIER_POLL_MS))
          verifier = this.nextVerifier
        }
      } finally {
        this.lookingForVerifier = false
      }
    }
    return this.#mesh.node === undefined ? undefined : verifier
  }

  /** Stops the streaming answer; what arrived so far is kept, marked as stopped. */
  stop (): void {
    if (this.live === undefined || this.#controller === undefined) {
      return
    }
    this.live = { ...this.live, phase: 'stopping' }
    this.#controller.abort()
  }

  /** A new, empty answer, from `verifier` or (undefined) this device. */
  #newAnswer (conversationId: string, sequence: number, verifier: Peer | undefined, now: number): MessageRecord {
    if (verifier === undefined) {
      const model = `${this.deviceModel ?? 'local model'} (this device)`
      return { id: randomId(), conversationId, sequence, role: 'assistant', content: '', status: 'streaming', createdAt: now, updatedAt: now, model, demo: isDemoModelName(model), writerLock: this.#writerLock }
    }
    return {
      id: randomId(),
      conversationId,
      sequence,
      role: 'assistant',
      content: '',
      status: 'streaming',
      createdAt: now,
      updatedAt: now,
      verifierPeerId: verifier.peerId,
      ...(verifier.model === '' ? {} : { model: verifier.model, demo: isDemoModelName(verifier.model) }),
      writerLock: this.#writerLock
    }
  }

  #startGeneration (answer: MessageRecord, conversation: ConversationRecord, verifier: Peer | undefined): void {
    const controller = new AbortController()
    this.#controller = controller
    this.#liveRecord = answer
    this.live = { messageId: answer.id, conversationId: answer.conversationId, phase: 'connecting' }
    const history = historyBefore(this.messages, answer.sequence)
    this.#generation = this.#generate(answer, history, conversation, verifier, controller.signal)
  }

  async #generate (answer: MessageRecord, history: ChatMessage[], conversation: ConversationRecord, first: Peer | undefined, signal: AbortSignal): Promise<void> {
    let record = answer
    let verifier = first
    let started = false
    const tried = verifier === undefined ? [] : [verifier.peerId]
    const request = {
      messages: history,
      maxTokens: this.settings.maxTokens,
      temperature: this.settings.temperature,
      privacy: conversation.privacy
    }
    let receipt: { signed: SignedReceipt, from: string } | undefined
    const onEvent = (event: ChatStreamEvent): void => {
      switch (event.type) {
        case 'queued':
          this.#setLive({ phase: 'queued', queuePosition: event.position, etaMs: event.etaMs, tier: event.tier })
          return
        case 'started':
          started = true
          if (verifier !== undefined) {
            record = { ...record, model: event.model, demo: event.demo || isDemoModelName(event.model) }
          }
          this.#setLive({ phase: 'answering', queuePosition: undefined, etaMs: undefined })
          this.#show(record)
          return
        case 'delta': {
          const first = record.content === ''
          record = { ...record, content: record.content + event.text, updatedAt: Date.now() }
          if (this.live?.phase !== 'answering' && this.live?.phase !== 'stopping') {
            this.#setLive({ phase: 'answering', queuePosition: undefined, etaMs: undefined })
          }
          // The first text at once (time to first token is what people feel), the rest once per frame.
          if (first) this.#show(record)
          else this.#showSoon(record)
          this.#scheduleSave()
          return
        }
        case 'done':
          record = {
            ...record,
            status: event.finishReason === 'cancelled' ? 'cancelled' : 'complete',
            finishReason: event.finishReason,
            usage: event.usage,
            timings: event.timings
          }
          receipt = event.receipt === undefined || verifier === undefined ? undefined : { signed: event.receipt, from: verifier.peerId }
      }
    }

    try {
      if (verifier === undefined) {
        if (this.#device === undefined) {
          throw Object.assign(new Error('no model on this device'), { name: 'EngineNotLoadedError' })
        }
        for await (const event of this.#device.chat(request, { signal })) {
          onEvent(event)
        }
      }
      while (verifier !== undefined) {
        const node = this.#mesh.node
        try {
          if (node === undefined) {
            throw Object.assign(new Error('the mesh node is not running'), { name: 'VerifierUnreachableError' })
          }
          // Read while the chat stream opens.
          const withReceipts = this.#presentableReceipts(verifier.peerId).then((receipts) => ({ ...request, receipts }))
          for await (const event of this.#chat(node, verifier.peerId, withReceipts, { signal })) {
            onEvent(event)
          }
          break
        } catch (err) {
          // Nothing generated yet, and the verifier could not take it: another one may.
          const failure = chatFailure(err)
          const movable = failure.name === 'VerifierUnreachableError' || failure.code === 'BUSY'
          const next = !signal.aborted && !started && movable ? pickVerifier(this.#mesh.peers, tried) : undefined
          if (next === undefined) {
            throw err
          }
          verifier = next
          tried.push(next.peerId)
          record = { ...record, verifierPeerId: next.peerId, ...(next.model === '' ? {} : { model: next.model, demo: isDemoModelName(next.model) }) }
          this.#setLive({ phase: 'connecting' })
          this.#show(record)
        }
      }
      if (record.status === 'streaming') {
        // The client ends every stream with `done` or an error; this is only a safety net.
        record = { ...record, status: 'interrupted' }
      }
    } catch (err) {
      const failure = chatFailure(err)
      if (signal.aborted) {
        record = { ...record, status: 'cancelled' }
      } else if (failure.name === 'VerifierGoneError') {
        record = { ...record, status: 'interrupted', error: describeChatFailure(failure) }
      } else if (failure.name === 'EngineDisposedError') {
        record = { ...record, status: 'interrupted', error: DEVICE_GONE_TEXT }
      } else {
        record = { ...record, status: 'error', error: describeChatFailure(failure) }
      }
    } finally {
      record = { ...record, writerLock: undefined, updatedAt: Date.now() }
      clearTimeout(this.#saveTimer)
      this.#saveTimer = undefined
      this.#liveRecord = undefined
      this.#show(record)
      this.live = undefined
      this.#controller = undefined
      await this.#save(record).catch((err: unknown) => {
        console.error('Shoal: cannot save the answer', err)
      })
    }
    // Checked once the answer shows as complete: verifying and storing the receipt is not worth a visible wait.
    if (receipt !== undefined && record.status === 'complete') {
      const outcome = await this.#keepReceipt(receipt.signed, receipt.from, history, record.content)
      // Unless the answer is being generated again by now (a retry owns the record then).
      if (!this.#isLive(record.id)) {
        record = { ...record, ...outcome }
        this.#show(record)
        await this.#save(record).catch((err: unknown) => {
          console.error('Shoal: cannot save the answer\'s receipt', err)
        })
      }
    }
  }

  #isLive (messageId: string): boolean {
    return this.live?.messageId === messageId
  }

  /** Drafted receipts this tab earned elsewhere, to move up a busy verifier's queue (none when they cannot be read). */
  async #presentableReceipts (verifierPeerId: string): Promise<SignedReceipt[]> {
    const self = this.#mesh.peerId
    if (self === undefined) {
      return []
    }
    return presentableReceipts(verifierPeerId, self, Date.now()).catch((err: unknown) => {
      console.warn('Shoal: cannot read receipts to present', err)
      return []
    })
  }

  /** Checks and keeps an answer's `served` receipt; the answer records which, or why not. */
  async #keepReceipt (receipt: SignedReceipt, verifierPeerId: string, prompt: ChatMessage[], answerText: string): Promise<Pick<MessageRecord, 'receiptId' | 'receiptProblem'>> {
    const self = this.#mesh.peerId
    if (self === undefined) {
      return { receiptProblem: 'this page has no peer id to check the receipt against' }
    }
    try {
      const outcome = await keepArrivedReceipt(receipt, { kind: 'served', issuer: verifierPeerId, subject: self, prompt, answerText })
      return 'kept' in outcome ? { receiptId: outcome.kept.id } : { receiptProblem: outcome.rejected }
    } catch (err) {
      return { receiptProblem: `the receipt cannot be stored: ${describe(err)}` }
    }
  }

  #setLive (change: Partial<LiveAnswer>): void {
    if (this.live !== undefined) {
      // Once Stop is pressed, say so until the stream has ended.
      this.live = { ...this.live, ...change, phase: this.live.phase === 'stopping' ? 'stopping' : change.phase ?? this.live.phase }
    }
  }

  /** Puts the latest version of a message on screen, if its conversation is open. */
  #show (record: MessageRecord): void {
    this.#nextFrame = undefined
    if (record.status === 'streaming') {
      this.#liveRecord = record
    }
    if (record.conversationId === this.selectedId) {
      this.messages = this.messages.map((message) => message.id === record.id ? record : message)
    }
  }

  /**
   * Shows a streaming answer's latest text at the next frame: tokens can come
   * faster than a screen refreshes, and each render parses the whole answer's
   * Markdown again. (Hidden tabs get no frames; there it waits a little.)
   */
  #showSoon (record: MessageRecord): void {
    this.#liveRecord = record
    const scheduled = this.#nextFrame !== undefined
    this.#nextFrame = record
    if (scheduled) {
      return
    }
    const flush = (): void => {
      // #show() since then (the end of the answer, an error) already showed something newer.
      const latest = this.#nextFrame
      if (latest !== undefined) {
        this.#show(latest)
      }
    }
    if (typeof requestAnimationFrame === 'function' && document.visibilityState === 'visible') {
      requestAnimationFrame(flush)
    } else {
      setTimeout(flush, HIDDEN_FLUSH_MS)
    }
  }

  #scheduleSave (): void {
    this.#saveTimer ??= setTimeout(() => {
      this.#saveTimer = undefined
      const record = this.#liveRecord
      if (record !== undefined) {
        this.#save(record).catch((err: unknown) => { console.warn('Shoal: cannot save the partial answer', err) })
      }
    }, this.#saveIntervalMs)
  }

  #save (record: MessageRecord): Promise<void> {
    this.#saving = this.#saving.catch(() => {}).then(() => saveMessage(record))
    return this.#saving
  }
}

/**
 * The conversation a verifier is asked to continue: the turns before
 * `sequence`. Partial answers (stopped, interrupted) are included, as the
 * user saw them; failed ones are not.
 */
export function historyBefore (messages: readonly MessageRecord[], sequence: number): ChatMessage[] {
  return messages
    .filter((message) => message.sequence < sequence && message.content !== '' && message.status !== 'error')
    .map((message) => ({ role: message.role, content: message.content }))
}

function describe (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
