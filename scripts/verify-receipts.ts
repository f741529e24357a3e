/**
 * Checks a receipts export offline: every receipt's signature against its
 * issuer's peer id, every field, every chain (issuer × subject) for gaps,
 * broken links and reordering, and, with `--trust`, that only those
 * verifiers issued them. Needs no network and no Shoal node.
 *
 * Exit status: 0 when everything verified, 1 when anything did not, 2 on a
 * usage error (no file, a file that cannot be read, a bad option).
 *
 * @example
 * ```console
 * $ npm run --silent receipts:verify -- shoal-receipts.json --trust 12D3KooW...
 * shoal-receipts.json: 5 receipts
 * issuer …Vx4s9kQz: 5 receipts: 3 served (36 prompt + 410 completion tokens), 2 drafted (37 of 64 drafted tokens accepted)
 * OK: 5 receipts verified
 * ```
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { peerIdFromString } from '@libp2p/peer-id'
import { checkReceiptChains, readReceiptFile, shortPeer } from '#protocol'
import { errorMessage } from '#server'
import type { Receipt } from '#protocol'

const PROGRAM = 'shoal-verify-receipts'

const USAGE = `${PROGRAM}: checks a Shoal receipts export offline: signatures, fields and chains.

Usage: npm run --silent receipts:verify -- <file.json> [--trust <peerId>]...

Options:
  --trust <peerId>
      Accept only receipts issued by this verifier; repeat for several. Without it any issuer will do.
  --help
      Print this help and exit.

Exit status: 0 every receipt verified and every chain is whole, 1 otherwise, 2 usage error.
`

/** A mistake in how the command was called: exit 2. */
class UsageError extends Error {}

async function main (argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { trust: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } } })
  } catch (err) {
    throw new UsageError(`${errorMessage(err)} (see --help)`)
  }
  if (parsed.values.help === true) {
    process.stdout.write(USAGE)
    return 0
  }
  const [path, ...extra] = parsed.positionals
  if (path === undefined) throw new UsageError('no receipts file given (see --help)')
  if (extra.length > 0) throw new UsageError(`one file at a time, not also "${extra.join('", "')}"`)
  const trusted = new Set((parsed.values.trust ?? []).map(canonicalPeerId))

  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${errorMessage(err)}`)
  }
  // Not a receipts file at all: nothing verified, so exit 1 (a ReceiptError says why in one line).
  const { receipts, rejected } = await readReceiptFile(text)

  const total = receipts.length + rejected.length
  const lines = [`${path}: ${total} receipt${total === 1 ? '' : 's'}`]
  const failures: string[] = []
  for (const [issuer, own] of groupBy(receipts, (receipt) => receipt.issuer)) {
    lines.push(`issuer ${shortPeer(issuer)}: ${summary(own)}`)
    if (trusted.size > 0 && !trusted.has(issuer)) {
      lines.push(`untrusted issuer ${issuer}: not given with --trust (${own.length} receipt${own.length === 1 ? '' : 's'})`)
      failures.push(`${own.length} from untrusted issuer ${shortPeer(issuer)}`)
    }
  }
  for (const { index, id, reason } of rejected) {
    lines.push(`rejected receipt #${index + 1}${id === undefined ? '' : ` (id ${id})`}: ${reason}`)
  }
  if (rejected.length > 0) failures.push(`${rejected.length} of ${total} receipts rejected`)
  let broken = 0
  for (const chain of checkReceiptChains(receipts)) {
    for (const problem of chain.problems) {
      lines.push(`chain ${shortPeer(chain.issuer)} → ${shortPeer(chain.subject)}: ${problem}`)
      broken++
    }
  }
  if (broken > 0) failures.push(`${broken} chain problem${broken === 1 ? '' : 's'}`)

  lines.push(failures.length === 0 ? `OK: ${receipts.length} receipts verified` : `FAILED: ${failures.join(', ')}`)
  process.stdout.write(`${lines.join('\n')}\n`)
  return failures.length === 0 ? 0 : 1
}

/** Counts and tokens of one issuer's receipts, as one line. */
function summary (receipts: readonly Receipt[]): string {
  const served = receipts.filter((receipt) => receipt.kind === 'served')
  const drafted = receipts.filter((receipt) => receipt.kind === 'drafted')
  const sum = (values: number[]): number => values.reduce((left, right) => left + right, 0)
  const shares = drafted.flatMap((receipt) => receipt.drafters)
  return `${receipts.length} receipt${receipts.length === 1 ? '' : 's'}: ` +
    `${served.length} served (${sum(served.map((receipt) => receipt.promptTokens))} prompt + ${sum(served.map((receipt) => receipt.completionTokens))} completion tokens), ` +
    `${drafted.length} drafted (${sum(shares.map((share) => share.acceptedTokens))} of ${sum(shares.map((share) => share.draftedTokens))} drafted tokens accepted)`
}

function groupBy<Item> (items: readonly Item[], key: (item: Item) => string): Map<string, Item[]> {
  const groups = new Map<string, Item[]>()
  for (const item of items) {
    const group = groups.get(key(item)) ?? []
    group.push(item)
    groups.set(key(item), group)
  }
  return groups
}

/** A --trust value as receipts spell it; a typo is a usage error, not an untrusted issuer. */
function canonicalPeerId (text: string): string {
  try {
    return peerIdFromString(text).toString()
  } catch {
    throw new UsageError(`--trust "${text}" is not a peer id`)
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
}, (err: unknown) => {
  // Bad input gets one line, never a stack trace.
  process.stderr.write(`${PROGRAM}: error: ${errorMessage(err)}\n`)
  process.exitCode = err instanceof UsageError ? 2 : 1
})
