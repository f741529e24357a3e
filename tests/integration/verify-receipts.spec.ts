/**
 * `npm run receipts:verify`, the real command in its own process, on export
 * files signed with a real verifier key: a whole one passes; one changed
 * signature character, one missing receipt, an issuer not trusted, or a file
 * that is not JSON each fail with a line saying which and why.
 */
import { spawn } from 'node:child_process'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { newReceiptId, receiptFile, sha256Hex, shortPeer, signReceipt } from '#protocol'
import { REPO_ROOT, temporaryDirectory } from '../support/processes.ts'
import { runToExit } from './run-to-exit.ts'
import type { Receipt, ReceiptFields, ReceiptFile } from '#protocol'

const COMMAND = 'scripts/verify-receipts.ts'

let directory: string
let issuer: string
let asker: string
let drafter: string
let receipts: Receipt[]

/** Each subject gets a chain of 4 from one verifier, served and drafted alternating. */
test.beforeAll(async () => {
  directory = await temporaryDirectory('shoal-receipts-')
  const key = await generateKeyPair('Ed25519')
  issuer = peerIdFromPrivateKey(key).toString()
  asker = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  drafter = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  receipts = []
  for (const subject of [asker, drafter]) {
    let previousId = ''
    for (let sequence = 1; sequence <= 4; sequence++) {
      const kind = sequence % 2 === 1 ? 'served' : 'drafted'
      const fields: ReceiptFields = {
        kind,
        id: newReceiptId(),
        issuer,
        subject,
        issuedAt: Date.now() + sequence,
        sequence,
        previousId,
        answerId: await sha256Hex(`answer ${subject} ${sequence}`),
        model: 'shoal-demo-v1',
        promptTokens: 10,
        completionTokens: 25,
        queuedMs: 2,
        firstTokenMs: 30,
        totalMs: 500,
        passes: 14,
        drafters: [{ peerId: kind === 'served' ? (subject === asker ? drafter : asker) : subject, draftedTokens: 16, acceptedTokens: 11 }],
        promptHash: kind === 'served' ? await sha256Hex(`prompt ${sequence}`) : '',
        outputHash: kind === 'served' ? await sha256Hex(`output ${sequence}`) : ''
      }
      const receipt = await signReceipt(fields, key)
      receipts.push(receipt)
      previousId = receipt.id
    }
  }
})

test.afterAll(async () => {
  if (directory !== undefined) await rm(directory, { recursive: true, force: true })
})

async function writeExport (name: string, edit: (file: ReceiptFile) => void = () => {}): Promise<string> {
  const file = receiptFile(receipts)
  edit(file)
  const path = join(directory, name)
  await writeFile(path, JSON.stringify(file, null, 2))
  return path
}

function expectOneErrorLine (stderr: string, message: RegExp): void {
  const lines = stderr.trimEnd().split('\n')
  expect(lines, stderr).toHaveLength(1)
  expect(lines[0]).toMatch(message)
  expect(stderr).not.toMatch(/^\s+at /m)
}

test('a whole export verifies: exit 0, a count per issuer, "OK"', async () => {
  const path = await writeExport('whole.json')
  const result = await runToExit(COMMAND, [path])
  expect(result.stderr).toBe('')
  expect(result.stdout).toBe([
    `${path}: 8 receipts`,
    `issuer ${shortPeer(issuer)}: 8 receipts: 4 served (40 prompt + 100 completion tokens), 4 drafted (44 of 64 drafted tokens accepted)`,
    'OK: 8 receipts verified',
    ''
  ].join('\n'))
  expect(result.code).toBe(0)
  // Trusting its issuer changes nothing.
  const trusted = await runToExit(COMMAND, [path, '--trust', issuer])
  expect(trusted.code, trusted.stdout).toBe(0)
  expect(trusted.stdout).toContain('OK: 8 receipts verified')
})

test('one base64 character changed in one signature: exit 1 naming that receipt', async () => {
  const target = receipts[5] as Receipt
  const path = await writeExport('flipped.json', (file) => {
    const entry = file.receipts[5]
    if (entry === undefined) throw new Error('no receipt 6')
    // A character in the middle, swapped for another base64 one: the text still decodes, to other bytes.
    const at = 30
    const swapped = entry.signature[at] === 'Q' ? 'R' : 'Q'
    entry.signature = `${entry.signature.slice(0, at)}${swapped}${entry.signature.slice(at + 1)}`
  })
  const result = await runToExit(COMMAND, [path])
  expect(result.code, result.stdout).toBe(1)
  expect(result.stdout).toContain(`rejected receipt #6 (id ${target.id}): the signature does not match the body and ${shortPeer(issuer)}'s key\n`)
  // Its chain now lacks it too.
  expect(result.stdout).toContain(`chain ${shortPeer(issuer)} → ${shortPeer(drafter)}: receipt 2 is missing\n`)
  expect(result.stdout).toMatch(/\nFAILED: 1 of 8 receipts rejected, 1 chain problem\n$/)
  expect(result.stdout).not.toContain('OK')
})

test('a receipt taken out of a chain: exit 1 naming the missing one', async () => {
  const path = await writeExport('gap.json', (file) => { file.receipts.splice(2, 1) })
  const result = await runToExit(COMMAND, [path])
  expect(result.code, result.stdout).toBe(1)
  expect(result.stdout).toContain(`chain ${shortPeer(issuer)} → ${shortPeer(asker)}: receipt 3 is missing\n`)
  expect(result.stdout).toMatch(/\nFAILED: 1 chain problem\n$/)
})

test('an issuer outside --trust: exit 1 naming it', async () => {
  const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const path = await writeExport('untrusted.json')
  const result = await runToExit(COMMAND, [path, '--trust', stranger])
  expect(result.code, result.stdout).toBe(1)
  expect(result.stdout).toContain(`untrusted issuer ${issuer}: not given with --trust (8 receipts)\n`)
  expect(result.stdout).toMatch(new RegExp(`\\nFAILED: 8 from untrusted issuer ${shortPeer(issuer)}\\n$`))
})

test('a file that is not JSON: exit 1 with one line, no stack trace', async () => {
  const path = join(directory, 'not.json')
  await writeFile(path, 'these are not receipts\n')
  const result = await runToExit(COMMAND, [path])
  expect(result.code).toBe(1)
  expect(result.stdout).toBe('')
  expectOneErrorLine(result.stderr, /^shoal-verify-receipts: error: the file is not JSON: /)
})

test('usage errors exit 2 with one line', async () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /^shoal-verify-receipts: error: no receipts file given \(see --help\)$/],
    [[join(directory, 'absent.json')], /^shoal-verify-receipts: error: cannot read \S+absent\.json: ENOENT/],
    [['--colour'], /^shoal-verify-receipts: error: Unknown option '--colour'/],
    [[join(directory, 'a.json'), '--trust', 'nobody'], /^shoal-verify-receipts: error: --trust "nobody" is not a peer id$/],
    [['a.json', 'b.json'], /^shoal-verify-receipts: error: one file at a time, not also "b\.json"$/]
  ]
  for (const [args, message] of cases) {
    const result = await runToExit(COMMAND, args)
    expect(result.code, args.join(' ')).toBe(2)
    expect(result.stdout).toBe('')
    expectOneErrorLine(result.stderr, message)
  }
})

test('--help through the npm script prints usage and exits 0', async () => {
  const child = spawn('npm', ['run', '--silent', 'receipts:verify', '--', '--help'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  expect(code).toBe(0)
  expect(stdout).toContain('Usage: npm run --silent receipts:verify -- <file.json> [--trust <peerId>]...')
})
