/**
 * Conversations on the chat page: stored chats, the answer streaming now,
 * and the words the page uses for their states. The state is a rune class
 * (`ChatState`); answers come from an answer source (`MeshAnswerSource`:
 * verifiers through `$lib/chat`; `DeviceAnswerSource`: the model loaded
 * here), whose events a pure reducer (`answer-reducer.ts`) turns into
 * stored records, kept through `ChatStore` (`$lib/storage`).
 *
 * @example
 * ```svelte
 * <script lang="ts">
 *   import { chatState } from '$lib/conversations'
 *
 *   const chat = chatState()   // the page's one chat state, loaded from IndexedDB on first use
 * </script>
 *
 * {#each chat.messages as message (message.id)}<p>{message.content}</p>{/each}
 * <button onclick={() => chat.send('Hello!')}>Send</button>
 * ```
 */
import { localModel } from '../inference/local-model.svelte.ts'
import { meshNode } from '../mesh/index.ts'
import type { PeerView } from '../mesh/index.ts'
import { ChatState } from './chat-state.svelte.ts'

export { ChatState, NO_DEVICE_MODEL_TEXT, NO_VERIFIER_RETRY_TEXT, NO_VERIFIER_TEXT, tooLongText } from './chat-state.svelte.ts'
export type { AnswerWith, ChatNotice, ChatStateInit, ContextUse } from './chat-state.svelte.ts'
export { planContext, promptBound, messageBound, stoppedByFullContext } from './context-budget.ts'
export type { ContextPlan, ContextPlanInit } from './context-budget.ts'
export { DEVICE_GONE_TEXT, applyAnswerEvent, endAnswer, historyBefore, liveAfterEvent, newAnswer, turnsBefore } from './answer-reducer.ts'
export type { AnswerEvent, Answerer, LiveAnswer } from './answer-reducer.ts'
export type { AnswerRequest, AnswerSource, ReceiptOutcome } from './answer-source.ts'
export { MeshAnswerSource } from './mesh-answer-source.ts'
export type { ChatMesh, MeshAnswerSourceInit, VerifierPeer } from './mesh-answer-source.ts'
export { DeviceAnswerSource } from './device-answer-source.ts'
export type { DeviceModel } from './device-answer-source.ts'
export { ChatStore } from './chat-store.ts'
export type { ChatStoreInit } from './chat-store.ts'
export { DEFAULT_CHAT_SETTINGS, chatSettingsSchema } from './chat-settings.ts'
export type { ChatSettings } from './chat-settings.ts'
export * from './chat-text.ts'

let instance: ChatState<PeerView> | undefined

/**
 * The page's chat state, created and loaded on first call. One per page
 * life, not per visit to the chat route: an answer keeps streaming (and
 * showing) while the user looks at another page and comes back.
 */
export function chatState (): ChatState<PeerView> {
  if (instance === undefined) {
    instance = new ChatState({ mesh: meshNode(), device: localModel() })
    void instance.load()
  }
  return instance
}
