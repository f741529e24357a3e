/**
 * Tells a profile's other tabs that a conversation's stored messages
 * changed. Tabs share IndexedDB but each reads it when it opens a
 * conversation; without this, a tab showing an answer another tab is
 * streaming (a reload opens the newest conversation, which may be another
 * tab's) would show it frozen as it was read, "streaming" forever.
 */

const CHANNEL = 'shoal-chat-changes'

export interface ChatChanges {
  /** Tells the other tabs that `conversationId`'s messages were written. */
  announce: (conversationId: string) => void
  close: () => void
}

/**
 * Listens for the other tabs' notices (a tab never hears its own). Without
 * BroadcastChannel, announcing does nothing and nothing is heard.
 */
export function listenForChatChanges (onChange: (conversationId: string) => void): ChatChanges {
  if (typeof BroadcastChannel === 'undefined') {
    return { announce: () => {}, close: () => {} }
  }
  const channel = new BroadcastChannel(CHANNEL)
  channel.onmessage = (event: MessageEvent<unknown>) => {
    const data = event.data
    // Only this app's tabs post here, but a message is still checked before use.
    if (typeof data === 'object' && data !== null && 'conversationId' in data && typeof data.conversationId === 'string') {
      onChange(data.conversationId)
    }
  }
  return {
    announce: (conversationId) => { channel.postMessage({ conversationId }) },
    close: () => { channel.close() }
  }
}
