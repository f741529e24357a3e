import { checkReceiptChains } from '#protocol'
import type { Receipt } from '#protocol'
import { acceptedTokensPerDay, answersNewestFirst, draftedTotals, ledgerByVerifier } from './ledger.ts'
import { askForPersistentStorage, isStoragePersistent } from '../storage/index.ts'
import { exportReceiptFile, importReceiptFile, listReceipts } from './receipt-keeper.ts'
import type { ImportOutcome } from './receipt-keeper.ts'
import { onReceiptsChanged } from './receipts-changed.ts'

/** Largest file read for import (it is read whole): 100 000 receipts take about 100 MiB as JSON. */
const MAX_IMPORT_BYTES = 128 * 1024 * 1024

/** What the last import did, or why the file was not read at all. */
export type ImportResult = ImportOutcome | { failed: string }

/**
 * The Receipts page's state: the kept receipts and everything the page
 * shows of them, reloaded whenever receipts are kept. Receipts are never
 * edited in place, so they are held as plain (not deeply reactive) arrays.
 */
export class ReceiptsView {
  receipts = $state.raw<Receipt[]>([])
  loaded = $state(false)
  /** Whether the browser keeps this site's storage under pressure; undefined until asked. */
  persistent = $state<boolean | undefined>()
  importResult = $state.raw<ImportResult | undefined>()
  importing = $state(false)

  readonly ledger = $derived(ledgerByVerifier(this.receipts))
  readonly answers = $derived(answersNewestFirst(this.receipts))
  readonly drafted = $derived(this.receipts.filter((receipt) => receipt.kind === 'drafted'))
  readonly draftedTotals = $derived(draftedTotals(this.receipts))
  /** Accepted draft tokens per local day, for the chart. */
  readonly earnedPerDay = $derived(acceptedTokensPerDay(this.receipts))
  /** Broken chains first: they are what a person needs to see. */
  readonly chains = $derived(checkReceiptChains(this.receipts).sort((left, right) => Number(right.problems.length > 0) - Number(left.problems.length > 0)))

  /** Loads started; only the latest one's result is shown (loads can finish out of order). */
  #loads = 0

  async load (): Promise<void> {
    const load = ++this.#loads
    const [receipts, persistent] = await Promise.all([listReceipts(), isStoragePersistent()])
    if (load !== this.#loads) {
      return
    }
    this.receipts = receipts
    this.persistent = persistent
    this.loaded = true
  }

  /** Loads now and again whenever receipts are kept (a chat's, another tab's import); returns how to stop. */
  follow (): () => void {
    void this.load()
    return onReceiptsChanged(() => { void this.load() })
  }

  async importFile (file: File): Promise<void> {
    if (file.size > MAX_IMPORT_BYTES) {
      this.importResult = { failed: `${file.name} is ${Math.round(file.size / 1024 / 1024)} MiB; an export of receipts is at most ${MAX_IMPORT_BYTES / 1024 / 1024} MiB` }
      return
    }
    this.importing = true
    try {
      this.importResult = await importReceiptFile(await file.text())
    } catch (err) {
      this.importResult = { failed: err instanceof Error ? err.message : String(err) }
    } finally {
      this.importing = false
    }
    await this.load()
  }

  exportText (): Promise<string> {
    return exportReceiptFile()
  }

  async keepPersistently (): Promise<void> {
    this.persistent = await askForPersistentStorage()
  }
}
