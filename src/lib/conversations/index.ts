/**
 * Conversations on the chat page: stored chats, the answer streaming now,
 * and the words the page uses for their states. The state is a rune class
 * (`ChatState`) fed by the chat client (`$lib/chat`) and kept in IndexedDB
 * (`$lib/storage`).
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
import { localModel } from '../inference/wllama-local-model.svelte.ts'
import { meshNode } from '../mesh/index.ts'
import type { PeerView } from '../mesh/index.ts'
import { ChatState } from './chat-state.svelte.ts'

export { ChatState, DEFAULT_CHAT_SETTINGS, DEVICE_GONE_TEXT, NO_DEVICE_MODEL_TEXT, NO_VERIFIER_TEXT, chatSettingsSchema, historyBefore } from './chat-state.svelte.ts'
export type { AnswerWith, ChatNotice, ChatSettings, ChatStateInit, DeviceAnswerer, LiveAnswer, VerifierPeer } from './chat-state.svelte.ts'
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
