import { receiptToJson } from '#protocol'
import type { Receipt, ReceiptJson } from '#protocol'

/**
 * The `receipt` field of a completion's final JSON (OpenAI and Ollama
 * alike): the signed `served` receipt in its JSON form, or nothing when the
 * verifier issued none.
 */
export function receiptField (receipt: Receipt | undefined): { receipt?: ReceiptJson } {
  return receipt === undefined ? {} : { receipt: receiptToJson(receipt) }
}
