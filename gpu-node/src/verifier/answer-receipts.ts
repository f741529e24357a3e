import { promptHash, sha256Hex } from '#protocol'
import type { ReceiptIssuer } from '../receipts/index.ts'
import type { Receipt } from '#protocol'
import type { CompletionRequest, DraftSource, Timings, Usage, Work } from './types.ts'

/** One finished answer, as its receipts state it. */
export interface FinishedAnswer {
  /** Who asked, and what its prompt hash covers: the chat's messages, or a raw prompt's turns (see raw-prompt.ts). */
  request: Pick<CompletionRequest, 'clientId'> & { messages: ReadonlyArray<{ role: string, content: string }> }
  /** The served model's name. */
  model: string
  /** The answer's whole text, for the output hash. */
  text: string
  usage: Usage
  timings: Timings
  work: Work
  cancelled: boolean
  /** Where the answer's drafts came from, if anywhere: it names the drafter and takes its `drafted` receipt. */
  source?: DraftSource
}

/**
 * Signs one answer's receipts: `served` (returned, for the asker) and
 * `drafted` (handed to the drafter through its source). A cancelled answer
 * nobody drafted for earns none. A failure to sign or to deliver is logged
 * and costs the receipt, never the answer: the answer is already written.
 *
 * @example
 * ```ts
 * const receipt = await issueAnswerReceipts(issuer, { request, model: 'm', text, usage, timings, work, cancelled: false }, log)
 * ```
 */
export async function issueAnswerReceipts (issuer: ReceiptIssuer, answer: FinishedAnswer, log?: { warn: (message: string) => void }): Promise<Receipt | undefined> {
  const { request, source, usage, timings, work, cancelled } = answer
  const share = source?.share?.()
  if (cancelled && (share?.draftedTokens ?? 0) === 0) {
    return undefined
  }
  try {
    const receipts = await issuer.issue({
      subject: request.clientId,
      model: answer.model,
      promptHash: await promptHash(request.messages),
      outputHash: await sha256Hex(answer.text),
      ...usage,
      ...timings,
      passes: work.passes,
      drafters: share === undefined ? [] : [share]
    }, { cancelled, reachable: share !== undefined && source?.reachable?.() === true ? [share.peerId] : [] })
    for (const drafted of receipts.drafted) {
      try {
        source?.deliver?.(drafted)
      } catch (err) {
        log?.warn(`could not send ${drafted.subject} its receipt: ${describe(err)}`)
      }
    }
    return receipts.served
  } catch (err) {
    log?.warn(`could not issue receipts for ${request.clientId}: ${describe(err)}`)
    return undefined
  }
}

function describe (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
