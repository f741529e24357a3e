/**
 * Whether the browser keeps this site's storage under pressure (the
 * receipts, the chats, the models in Cache Storage).
 */

/** Whether the browser has promised not to clear this site's storage under pressure. */
export async function isStoragePersistent (): Promise<boolean> {
  return await navigator.storage?.persisted() ?? false
}

/**
 * Asks the browser to keep this site's storage. It may say no, or ask the
 * person (so callers need not wait for the answer); either way what is
 * stored is kept for as long as the browser keeps it.
 */
export async function askForPersistentStorage (): Promise<boolean> {
  try {
    return await navigator.storage?.persist() ?? false
  } catch {
    return false
  }
}
