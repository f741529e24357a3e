import { receiptToJson } from '../../../src/lib/protocol/index.ts'
import type { Receipt, ReceiptJson } from '../../../src/lib/protocol/index.ts'

/**
 * The `receipt` field of a completion's final JSON (OpenAI and Ollama
 * alike): the signed `served` receipt in its JSON form, or nothing when the
 * verifier issued none.
 */
export function receiptField (receipt: Receipt | undefined): { receipt?: ReceiptJson } {
  return receipt === undefined ? {} : { receipt: receiptToJson(receipt) }
}
