import { ReceiptError, receiptFromJson, receiptToJson } from './receipts.ts'
import type { Receipt, ReceiptJson } from './receipts.ts'

/** What "Export" writes and "Import" and `npm run receipts:verify` read. */
export interface ReceiptFile {
  format: typeof RECEIPT_FILE_FORMAT
  version: 1
  /** ISO 8601 time of the export. */
  exportedAt: string
  receipts: ReceiptJson[]
}

export const RECEIPT_FILE_FORMAT = 'shoal-receipts'

/** Most receipts one file may hold (a file is read whole). */
export const MAX_RECEIPTS_PER_FILE = 100_000

export function receiptFile (receipts: readonly Receipt[], now = new Date()): ReceiptFile {
  return { format: RECEIPT_FILE_FORMAT, version: 1, exportedAt: now.toISOString(), receipts: receipts.map(receiptToJson) }
}

/** The outcome of reading a receipt file: every receipt that verified, and why each other one did not. */
export interface ReceiptFileContents {
  receipts: Receipt[]
  rejected: Array<{ index: number, id?: string, reason: string }>
}

/**
 * Reads a receipt file's text, checking every receipt (signature, and the
 * decoded fields beside it).
 *
 * @throws {ReceiptError} (`malformed`) when the text is not a receipt file at all
 */
export async function readReceiptFile (text: string): Promise<ReceiptFileContents> {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ReceiptError('malformed', `the file is not JSON: ${(err as Error).message}`)
  }
  const file = json as Partial<ReceiptFile> | null
  if (typeof file !== 'object' || file === null || file.format !== RECEIPT_FILE_FORMAT || !Array.isArray(file.receipts)) {
    throw new ReceiptError('malformed', `the file is not a Shoal receipts export (format "${RECEIPT_FILE_FORMAT}" with a "receipts" list)`)
  }
  if (file.version !== 1) {
    throw new ReceiptError('malformed', `receipt file version ${String(file.version)} is not one this version of Shoal reads`)
  }
  if (file.receipts.length > MAX_RECEIPTS_PER_FILE) {
    throw new ReceiptError('malformed', `the file holds ${file.receipts.length} receipts; at most ${MAX_RECEIPTS_PER_FILE} are read`)
  }
  const contents: ReceiptFileContents = { receipts: [], rejected: [] }
  for (const [index, entry] of file.receipts.entries()) {
    try {
      contents.receipts.push(await receiptFromJson(entry))
    } catch (err) {
      const id = typeof entry === 'object' && entry !== null && typeof (entry as { id?: unknown }).id === 'string' ? (entry as { id: string }).id : undefined
      contents.rejected.push({ index, ...(id === undefined ? {} : { id }), reason: err instanceof Error ? err.message : String(err) })
    }
  }
  return contents
}
