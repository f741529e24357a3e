import { warmPrefixHash } from '#protocol'
import type { ChatMessage, SignedReceipt } from '#protocol'
import { pickVerifier } from '../chat/index.ts'
import type { chatWithVerifier } from '../chat/index.ts'
import type { ConversationRecord, MessageRecord, PrivacyPolicy } from '../storage/index.ts'
import { applyAnswerEvent, endAnswer, historyBefore, lastPartOf, liveAfterEvent, newAnswer, turnsBefore } from './answer-reducer.ts'
import type { Answerer, LiveAnswer } from './answer-reducer.ts'
import type { AnswerHint, AnswerRequest, AnswerSource } from './answer-source.ts'
import { DEFAULT_CHAT_SETTINGS, chatSettingsSchema } from './chat-settings.ts'
import type { ChatSettings } from './chat-settings.ts'
import { ChatStore } from './chat-store.ts'
import { planContext } from './context-budget.ts'
import type { ContextPlan } from './context-budget.ts'
import { randomId, titleFromMessage } from './chat-text.ts'
import { DeviceAnswerSource } from './device-answer-source.ts'
import type { DeviceModel } from './device-answer-source.ts'
import { MeshAnswerSource } from './mesh-answer-source.ts'
import type { ChatMesh, VerifierPeer } from './mesh-answer-source.ts'

/** How long a hidden tab (which gets no animation frames) waits to show more of a streaming answer. */
const HIDDEN_FLUSH_MS = 200

export interface ChatStateInit<Peer extends VerifierPeer> {
  /** The page's mesh: who can answer, the node to reach them through, this page's peer id, and its `peers` events. */
  mesh: ChatMesh<Peer>
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
  device?: DeviceModel
}

/** Who answers: a verifier on the mesh, or the model loaded on this device. */
export type AnswerWith = 'mesh' | 'device'

export interface ChatNotice {
  kind: 'no-verifier' | 'error'
  text: string
}

export const NO_VERIFIER_TEXT = 'No verifier is reachable right now, so nothing was sent. Your message is kept: send it again once a verifier has joined the mesh (the Network page lists them).'
export const NO_VERIFIER_RETRY_TEXT = 'No verifier is reachable right now. Retry once a verifier has joined the mesh (the Network page lists them).'
export const NO_DEVICE_MODEL_TEXT = 'No model is loaded on this device, so nothing was sent. Load one (or answer with the mesh), then send again.'

/** A question that leaves the model no room to answer, even with every older message left out. */
export function tooLongText (promptTokens: number, contextLength: number): string {
  return `This message is too long for the model: with it, the prompt needs up to ${promptTokens} tokens, and the model's context holds ${contextLength} (answer included). Nothing was sent; shorten it or split it into several messages.`
}

/** How full the model's context was after the newest answer: its prompt and its text, in tokens. */
export interface ContextUse {
  usedTokens: number
  contextLength: number
}

/** A plan that fits, as `planContext` returns it. */
type FittingPlan = Extract<ContextPlan, { fits: true }>

/**
 * The chat page's state: the conversation list, the open conversation's
 * messages, the answer being streamed, and the settings. Answers come from
 * an answer source (the mesh, or this device); the reducer
 * (`answer-reducer.ts`) turns their events into the stored record, which
 * this class shows (new text once per frame) and the chat store saves (every
 * `saveIntervalMs` and when it ends). One answer streams at a time.
 *
 * @example
 * ```ts
 * const chat = new ChatState({ mesh: meshNode(), device: localModel() })
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
  /** A message is on its way (looking for a verifier, being stored) and has no answer on screen yet. */
  sending = $state(false)

  readonly #meshPeers: ChatMesh<Peer>
  readonly #mesh: MeshAnswerSource
  readonly #device: DeviceAnswerSource
  readonly #deviceModel: DeviceModel | undefined
  readonly #store: ChatStore
  readonly #verifierWaitMs: number
  #controller: AbortController | undefined
  #generation: Promise<void> | undefined
  /** The streaming answer as last updated, whichever conversation is open. */
  #liveRecord: MessageRecord | undefined
  /** A streaming answer waiting for the next frame to be shown (see #showSoon). */
  #nextFrame: MessageRecord | undefined
  #selecting = 0
  /** Whose messages `messages` holds: differs from `selectedId` while a conversation loads. */
  #messagesOf: string | undefined
  /** Context lengths verifiers announced, by model name: what a prompt to that model must fit. */
  readonly #contextLengths = new Map<string, number>()

  constructor (init: ChatStateInit<Peer>) {
    this.#meshPeers = init.mesh
    this.#mesh = new MeshAnswerSource({ mesh: init.mesh, chat: init.chat })
    this.#device = new DeviceAnswerSource(init.device)
    this.#deviceModel = init.device
    this.#store = new ChatStore({ saveIntervalMs: init.saveIntervalMs })
    this.#verifierWaitMs = init.verifierWaitMs ?? 8_000
  }

  get selected (): ConversationRecord | undefined {
    return this.conversations.find((conversation) => conversation.id === this.selectedId)
  }

  /** The verifier a message sent now would go to (reactive: follows the mesh's peer list). */
  get nextVerifier (): Peer | undefined {
    return pickVerifier(this.#meshPeers.peers)
  }

  /** The model on this device, when one is ready. */
  get deviceModel (): string | undefined {
    return this.#deviceModel?.model
  }

  /**
   * Whether a message sent now is answered on this device: the user chose
   * it, or a model is ready here and no verifier is reachable.
   */
  get answersOnDevice (): boolean {
    return this.answerWith === 'device' || (this.deviceModel !== undefined && this.nextVerifier === undefined)
  }

  /**
   * How full the context was after the open conversation's newest answer
   * (exact: its verifier's counts); undefined before one has both.
   */
  get contextUse (): ContextUse | undefined {
    const answer = this.messages.findLast((message) => message.role === 'assistant' && message.usage !== undefined && message.contextLength !== undefined)
    if (answer?.usage === undefined || answer.contextLength === undefined) {
      return undefined
    }
    return { usedTokens: answer.usage.promptTokens + answer.usage.completionTokens, contextLength: answer.contextLength }
  }

  /** The first message the newest answer's prompt held, when older ones were left out to fit the context. */
  get firstSentSequence (): number | undefined {
    const prompt = this.messages.findLast((message) => message.role === 'assistant' && message.prompt !== undefined)?.prompt
    return prompt === undefined || prompt.omitted === 0 ? undefined : prompt.from
  }

  /** Reads the stored chats and opens the most recent one. Call once per page. */
  async load (): Promise<void> {
    try {
      const { conversations, settings } = await this.#store.open({
        // Another page life's answers, marked interrupted once it was gone: show them so.
        onAbandoned: () => { void this.#reread() },
        // Another tab wrote the open conversation (it streams an answer shown here too): show its latest.
        onChangedElsewhere: (conversationId) => { if (conversationId === this.selectedId) void this.#reread() }
      })
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
      messages = await this.#store.listMessages(conversationId)
    } catch (err) {
      this.notice = { kind: 'error', text: `This conversation cannot be read: ${describe(err)}` }
      return
    }
    if (selecting !== this.#selecting) {
      return
    }
    this.#showMessages(conversationId, messages)
  }

  /** Reads the open conversation again: another page life or tab changed its answers in storage. */
  async #reread (): Promise<void> {
    const conversationId = this.selectedId
    const selecting = this.#selecting
    if (conversationId === undefined) return
    const messages = await this.#store.listMessages(conversationId).catch(() => undefined)
    if (messages !== undefined && selecting === this.#selecting) {
      this.#showMessages(conversationId, messages)
    }
  }

  #showMessages (conversationId: string, messages: MessageRecord[]): void {
    // The stored copy of a streaming answer lags by up to one save interval.
    const live = this.#liveRecord
    this.messages = live === undefined ? messages : messages.map((message) => message.id === live.id ? live : message)
    this.#messagesOf = conversationId
    for (const message of messages) this.#learnContextLength(message)
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
      await this.#store.deleteConversation(conversationId)
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
    // They apply to this page even when they cannot be stored.
    this.settings = parsed.data
    await this.#store.saveSettings(parsed.data)
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
      await this.#store.saveTurn(updated, [])
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
    if (content === '' || this.live !== undefined || this.sending || this.lookingForVerifier || this.#messagesOf !== this.selectedId) {
      return false
    }
    this.sending = true
    try {
      return await this.#send(content)
    } finally {
      this.sending = false
    }
  }

  async #send (content: string): Promise<boolean> {
    this.notice = undefined
    const source = this.#source()
    const earlier = this.selected === undefined ? [] : this.messages
    const hint = await routingHint(this.selected?.id, earlier, historyBefore(earlier, (earlier.at(-1)?.sequence ?? -1) + 1))
    const answerer = source === this.#device ? this.#device.answerer() : await this.#findVerifier(hint)
    if (answerer === undefined) {
      this.notice = { kind: 'no-verifier', text: source === this.#device ? NO_DEVICE_MODEL_TEXT : NO_VERIFIER_TEXT }
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
    const plan = this.#plan([...turnsBefore(previous, sequence), question], answerer)
    if (plan === undefined) {
      return false
    }
    const answer = withPrompt(newAnswer({ id: randomId(), conversationId: conversation.id, sequence: sequence + 1, answerer, writerLock: this.#store.writerLock, now }), plan, now)
    try {
      await this.#store.saveTurn(conversation, [question, answer])
    } catch (err) {
      this.notice = { kind: 'error', text: `The message cannot be stored, so it was not sent: ${describe(err)}` }
      return false
    }

    this.conversations = [conversation, ...this.conversations.filter((other) => other.id !== conversation.id)]
    this.#selecting++
    this.selectedId = conversation.id
    this.messages = [...previous, question, answer]
    this.#messagesOf = conversation.id
    this.#startGeneration(source, answer, answerer, conversation, plan)
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
    this.notice = undefined
    const source = this.#source()
    const avoid = message.verifierPeerId === undefined ? [] : [message.verifierPeerId]
    // The conversation up to the question this answer replies to.
    const hint = await routingHint(conversation.id, this.messages, historyBefore(this.messages, message.sequence).slice(0, -1))
    const answerer = source === this.#device ? this.#device.answerer() : this.#mesh.answerer(avoid, hint) ?? await this.#findVerifier(hint)
    if (this.live !== undefined) {
      return
    }
    if (answerer === undefined) {
      this.notice = { kind: 'no-verifier', text: source === this.#device ? NO_DEVICE_MODEL_TEXT : NO_VERIFIER_RETRY_TEXT }
      return
    }
    const plan = this.#plan(turnsBefore(this.messages, message.sequence), answerer)
    if (plan === undefined) {
      return
    }
    const now = Date.now()
    const answer: MessageRecord = {
      ...withPrompt(newAnswer({ id: message.id, conversationId: message.conversationId, sequence: message.sequence, answerer, writerLock: this.#store.writerLock, now }), plan, now),
      createdAt: message.createdAt
    }
    try {
      await this.#store.save(answer)
    } catch (err) {
      this.notice = { kind: 'error', text: `The answer cannot be stored, so it was not retried: ${describe(err)}` }
      return
    }
    this.#show(answer)
    this.#startGeneration(source, answer, answerer, conversation, plan)
  }

  /** Stops the streaming answer; what arrived so far is kept, marked as stopped. */
  stop (): void {
    if (this.live === undefined || this.#controller === undefined) {
      return
    }
    this.live = { ...this.live, phase: 'stopping' }
    this.#controller.abort()
  }

  #source (): AnswerSource {
    return this.answersOnDevice ? this.#device : this.#mesh
  }

  /**
   * The verifier to send to, waiting a little for one when there is none
   * yet: a page that has just loaded needs a few seconds to hear the
   * verifiers' announcements, and Enter pressed in those seconds should not
   * fail. Waits on the mesh's peer events, not a timer.
   */
  async #findVerifier (hint: AnswerHint = {}): Promise<Answerer | undefined> {
    const now = this.#mesh.answerer([], hint)
    if (now !== undefined) {
      return now
    }
    this.lookingForVerifier = true
    try {
      return await this.#mesh.waitForAnswerer({ signal: AbortSignal.timeout(this.#verifierWaitMs), hint })
    } finally {
      this.lookingForVerifier = false
    }
  }

  /**
   * The turns to send and the answer length to ask for, fitted to the
   * answerer's context (when known: see context-budget.ts); undefined, with
   * a notice, when the question leaves no room for an answer.
   */
  #plan (history: MessageRecord[], answerer: Answerer): FittingPlan | undefined {
    const plan = planContext({ history, contextLength: answerer.contextLength ?? this.#contextLengths.get(answerer.model), maxTokens: this.settings.maxTokens })
    if (!plan.fits) {
      this.notice = { kind: 'error', text: tooLongText(plan.promptTokens, plan.contextLength) }
      return undefined
    }
    return plan
  }

  #learnContextLength (record: MessageRecord): void {
    if (record.contextLength !== undefined && record.model !== undefined) {
      this.#contextLengths.set(record.model, record.contextLength)
    }
  }

  #startGeneration (source: AnswerSource, answer: MessageRecord, answerer: Answerer, conversation: ConversationRecord, plan: FittingPlan): void {
    const controller = new AbortController()
    this.#controller = controller
    this.#liveRecord = answer
    this.live = { messageId: answer.id, conversationId: answer.conversationId, phase: 'connecting' }
    const request: AnswerRequest = {
      messages: plan.messages,
      maxTokens: plan.maxTokens,
      temperature: this.settings.temperature,
      privacy: conversation.privacy,
      // The conversation's own random id: only this page (and the verifiers it asks) know it.
      warmKey: conversation.id
    }
    this.#generation = this.#generate(source, answer, answerer, request, controller.signal)
  }

  async #generate (source: AnswerSource, answer: MessageRecord, answerer: Answerer, request: AnswerRequest, signal: AbortSignal): Promise<void> {
    let record = answer
    let receipt: SignedReceipt | undefined
    let failure: unknown
    try {
      for await (const event of source.answer(request, answerer, { signal })) {
        const before = record
        record = applyAnswerEvent(record, event, Date.now())
        if (this.live !== undefined) this.live = liveAfterEvent(this.live, event)
        switch (event.type) {
          case 'started':
            this.#learnContextLength(record)
            this.#show(record)
            break
          case 'answerer':
          case 'handover':
            this.#show(record)
            break
          case 'delta':
            // The first text at once (time to first token is what people feel), the rest once per frame.
            if (before.content === '') this.#show(record)
            else this.#showSoon(record)
            this.#store.saveSoon(record)
            break
          case 'done':
            // Shown (and saved) once the stream has ended, below.
            receipt = event.receipt
        }
      }
    } catch (err) {
      failure = err
    } finally {
      record = endAnswer(record, { failure, stopped: signal.aborted }, Date.now())
      this.#liveRecord = undefined
      this.#show(record)
      this.live = undefined
      this.#controller = undefined
      await this.#store.save(record).catch((err: unknown) => {
        console.error('Shoal: cannot save the answer', err)
      })
    }
    // Checked once the answer shows as complete: verifying and storing the receipt is not worth a visible wait.
    if (receipt !== undefined && record.status === 'complete' && record.verifierPeerId !== undefined && source.keepReceipt !== undefined) {
      // After a hand-over the receipt is the last verifier's, for its part.
      const outcome = await source.keepReceipt(receipt, { verifierPeerId: record.verifierPeerId, ...lastPartOf(record, request.messages) })
      // Unless the answer is being generated again by now (a retry owns the record then).
      if (!this.#isLive(record.id)) {
        record = { ...record, ...outcome }
        this.#show(record)
        await this.#store.save(record).catch((err: unknown) => {
          console.error('Shoal: cannot save the answer\'s receipt', err)
        })
      }
    }
  }

  /** Whether `messageId` is being generated now (a method: TypeScript would keep `live` narrowed across awaits). */
  #isLive (messageId: string): boolean {
    return this.live?.messageId === messageId
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
}

/**
 * Where a conversation's next answer should go: to its model, and to the
 * verifier holding `history` (the conversation so far, ending with an
 * answer) warm under the conversation's key. Nothing for a new conversation.
 */
async function routingHint (conversationId: string | undefined, messages: readonly MessageRecord[], history: ChatMessage[]): Promise<AnswerHint> {
  const lastAnswer = messages.findLast((message) => message.role === 'assistant' && message.status === 'complete')
  const byModel = lastAnswer?.model === undefined ? {} : { model: lastAnswer.model }
  if (conversationId === undefined || history.at(-1)?.role !== 'assistant') {
    return byModel
  }
  const answeredBy = lastAnswer?.verifierPeerId === undefined ? {} : { answeredBy: { peerId: lastAnswer.verifierPeerId, atMs: lastAnswer.updatedAt } }
  return { ...byModel, ...answeredBy, warmPrefix: await warmPrefixHash(conversationId, history) }
}

/** An answer record that remembers what it was asked for. */
function withPrompt (answer: MessageRecord, plan: FittingPlan, now: number): MessageRecord {
  return { ...answer, prompt: { from: plan.from, omitted: plan.omitted, sentAt: now, maxTokens: plan.maxTokens, contextLimited: plan.contextLimited } }
}

function describe (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
