/**
 * Tells every page of this browser (other tabs, and the Receipts page in
 * this one) that receipts were kept, so what they show follows the store.
 */
const CHANNEL = 'shoal-receipts'

export function announceReceiptsChanged (): void {
  if (typeof BroadcastChannel === 'undefined') return
  const channel = new BroadcastChannel(CHANNEL)
  channel.postMessage('changed')
  channel.close()
}

/** Calls `listener` whenever receipts were kept; returns how to stop. */
export function onReceiptsChanged (listener: () => void): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => {}
  const channel = new BroadcastChannel(CHANNEL)
  channel.onmessage = () => { listener() }
  return () => { channel.close() }
}
