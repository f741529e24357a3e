import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Receipt, SignedReceipt } from '#protocol'
import type { DatabaseSync, StatementSync } from 'node:sqlite'

/**
 * The verifier's own record of every receipt it issued, and of receipts
 * others issued that it counted for priority, in SQLite (`node:sqlite`), so
 * chains continue and contributors keep their standing across restarts.
 *
 * @example
 * ```ts
 * const ledger = await ReceiptLedger.open('.shoal/gpu-node.ledger.sqlite')
 * ledger.record(receipt)
 * ledger.latest(issuer, subject) // { id, sequence } of the subject's newest receipt
 * ledger.issuedTo(issuer, subject, { sequences: [3], after: 7, max: 64 }) // to send again: 3, then 8, 9, ...
 * ```
 */
export class ReceiptLedger {
  readonly #database: DatabaseSync
  readonly #latest: StatementSync
  readonly #atSequence: StatementSync
  readonly #afterSequence: StatementSync
  readonly #insert: StatementSync
  readonly #count: StatementSync
  readonly #earned: StatementSync
  readonly #counted: StatementSync

  private constructor (database: DatabaseSync) {
    this.#database = database
    database.exec(`
      PRAGMA journal_mode = WAL;
      CREATE TABLE IF NOT EXISTS issued (
        issuer TEXT NOT NULL,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        issued_at INTEGER NOT NULL,
        accepted_tokens INTEGER NOT NULL,
        body BLOB NOT NULL,
        signature BLOB NOT NULL,
        PRIMARY KEY (issuer, id),
        UNIQUE (issuer, subject, sequence)
      );
      CREATE INDEX IF NOT EXISTS issued_by_subject ON issued (subject, kind, issued_at);
      CREATE TABLE IF NOT EXISTS counted (
        issuer TEXT NOT NULL,
        id TEXT NOT NULL,
        subject TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        accepted_tokens INTEGER NOT NULL,
        PRIMARY KEY (issuer, id)
      );
      CREATE INDEX IF NOT EXISTS counted_by_subject ON counted (subject, issued_at);
    `)
    this.#latest = database.prepare('SELECT id, sequence, issued_at FROM issued WHERE issuer = ? AND subject = ? ORDER BY sequence DESC LIMIT 1')
    this.#atSequence = database.prepare('SELECT body, signature FROM issued WHERE issuer = ? AND subject = ? AND sequence = ?')
    this.#afterSequence = database.prepare('SELECT body, signature FROM issued WHERE issuer = ? AND subject = ? AND sequence > ? ORDER BY sequence LIMIT ?')
    this.#insert = database.prepare('INSERT INTO issued (issuer, id, kind, subject, sequence, issued_at, accepted_tokens, body, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    this.#count = database.prepare('INSERT OR IGNORE INTO counted (issuer, id, subject, issued_at, accepted_tokens) VALUES (?, ?, ?, ?, ?)')
    this.#earned = database.prepare(`
      SELECT COALESCE(SUM(accepted_tokens), 0) AS tokens FROM (
        SELECT accepted_tokens FROM issued WHERE subject = ? AND kind = 'drafted' AND issued_at >= ?
        UNION ALL
        SELECT accepted_tokens FROM counted WHERE subject = ? AND issued_at >= ?
      )`)
    this.#counted = database.prepare('SELECT COUNT(*) AS receipts FROM counted')
  }

  /**
   * Opens (creating when missing) the ledger at `path`; `:memory:` keeps it in memory.
   *
   * @throws when the file cannot be opened as a database
   */
  static async open (path: string): Promise<ReceiptLedger> {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    }
    const { DatabaseSync } = await importSqlite()
    return new ReceiptLedger(new DatabaseSync(path))
  }

  /** The subject's newest receipt from `issuer`, which the next one must name. */
  latest (issuer: string, subject: string): { id: string, sequence: number, issuedAt: number } | undefined {
    const row = this.#latest.get(issuer, subject) as { id: string, sequence: number | bigint, issued_at: number | bigint } | undefined
    return row === undefined ? undefined : { id: row.id, sequence: Number(row.sequence), issuedAt: Number(row.issued_at) }
  }

  /**
   * Receipts `issuer` issued to `subject`, signed as they were sent, to send
   * them again: those with the listed `sequences` (ones never issued are
   * skipped), then those after `after` in order, at most `max` in all.
   */
  issuedTo (issuer: string, subject: string, query: { sequences?: readonly number[], after?: number, max: number }): SignedReceipt[] {
    const found: SignedReceipt[] = []
    const wanted = [...new Set(query.sequences ?? [])].filter((sequence) => Number.isSafeInteger(sequence) && sequence > 0).sort((left, right) => left - right)
    for (const sequence of wanted) {
      if (found.length >= query.max) return found
      const row = this.#atSequence.get(issuer, subject, sequence) as StoredSignature | undefined
      if (row !== undefined) found.push(signedFrom(row))
    }
    if (query.after !== undefined && found.length < query.max) {
      const rows = this.#afterSequence.all(issuer, subject, query.after, query.max - found.length) as unknown as StoredSignature[]
      found.push(...rows.map(signedFrom))
    }
    return found
  }

  /** Keeps a receipt this verifier issued. */
  record (receipt: Receipt): void {
    const accepted = receipt.kind === 'drafted' ? receipt.drafters[0]?.acceptedTokens ?? 0 : 0
    this.#insert.run(receipt.issuer, receipt.id, receipt.kind, receipt.subject, receipt.sequence, receipt.issuedAt, accepted, receipt.body, receipt.signature)
  }

  /**
   * Counts a `drafted` receipt another verifier issued, once.
   *
   * @returns false when it was counted before (a replay)
   */
  countPresented (receipt: Receipt): boolean {
    const accepted = receipt.drafters[0]?.acceptedTokens ?? 0
    return Number(this.#count.run(receipt.issuer, receipt.id, receipt.subject, receipt.issuedAt, accepted).changes) > 0
  }

  /** Accepted draft tokens `subject` earned since `since` (ms since the epoch): here, and in counted receipts. */
  acceptedTokensSince (subject: string, since: number): number {
    const row = this.#earned.get(subject, since, subject, since) as { tokens: number | bigint }
    return Number(row.tokens)
  }

  /** Receipts of other verifiers counted so far. */
  get countedReceipts (): number {
    return Number((this.#counted.get() as { receipts: number | bigint }).receipts)
  }

  close (): void {
    this.#database.close()
  }
}

interface StoredSignature {
  body: Uint8Array
  signature: Uint8Array
}

function signedFrom (row: StoredSignature): SignedReceipt {
  return { body: new Uint8Array(row.body), signature: new Uint8Array(row.signature) }
}

/**
 * `node:sqlite` prints an ExperimentalWarning on Node 22 when first loaded;
 * the ledger depends on it knowingly, so that one warning is not shown.
 */
async function importSqlite (): Promise<typeof import('node:sqlite')> {
  const emitWarning = process.emitWarning
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message
    if (!text.includes('SQLite')) {
      (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest)
    }
  }) as typeof process.emitWarning
  try {
    return await import('node:sqlite')
  } finally {
    process.emitWarning = emitWarning
  }
}
