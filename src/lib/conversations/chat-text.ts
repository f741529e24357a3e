/**
 * The words the chat page shows for states and errors: pure functions, so
 * they are unit-tested in Node (`chat-text.test.ts`).
 */
import type { AnswerPart } from '../storage/index.ts'

/** Longest conversation title, in characters, before it is cut with "…". */
export const MAX_TITLE_LENGTH = 60

/** A conversation's title: its first user message on one line, cut to a readable length. */
export function titleFromMessage (text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  if (line === '') {
    return 'New chat'
  }
  return line.length <= MAX_TITLE_LENGTH ? line : `${line.slice(0, MAX_TITLE_LENGTH - 1).trimEnd()}…`
}

/** The end of a peer id, enough to tell peers apart at a glance (as on the network page). */
export function shortPeerId (peerId: string): string {
  return `…${peerId.slice(-8)}`
}

/**
 * Whether a model is one of Shoal's built-in demo models (the tiny story
 * pair, or a random model of a given shape), whose text is no source of
 * facts. The verifier says so in its `started` event; before that, only its
 * announced name tells (the random demo models are named `shoal-demo…`).
 */
export function isDemoModelName (model: string | undefined): boolean {
  return model !== undefined && /^shoal-demo/i.test(model)
}

/** "about 4 s", "about 2 min": an ETA rounded up to what a person can use. */
export function formatEta (etaMs: number): string {
  const seconds = Math.max(1, Math.ceil(etaMs / 1000))
  if (seconds < 90) {
    return `about ${seconds} s`
  }
  return `about ${Math.round(seconds / 60)} min`
}

/** "Waiting in queue: position 2, about 4 s" */
export function describeQueue (position: number, etaMs: number | undefined, tier?: 'contributor' | 'consumer'): string {
  const eta = etaMs === undefined || etaMs <= 0 ? '' : `, ${formatEta(etaMs)}`
  const as = tier === undefined ? '' : tier === 'contributor' ? ' as a contributor (ahead of consumers)' : ' as a consumer (contributors go first)'
  return `Waiting in queue${as}: position ${position}${eta}`
}

/** "1.2 s", "340 ms" */
export function formatDuration (ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`
}

/** A failed chat, as the error the chat client threw: only `name`, `message` and the chat fields matter. */
export interface ChatFailure {
  name: string
  message: string
  code?: string
  retryAfterSeconds?: number
}

/** Reads the fields of a thrown value that describe a chat failure, whatever was thrown. */
export function chatFailure (err: unknown): ChatFailure {
  if (typeof err !== 'object' || err === null) {
    return { name: 'Error', message: String(err) }
  }
  const fields = err as Record<string, unknown>
  return {
    name: typeof fields.name === 'string' ? fields.name : 'Error',
    message: typeof fields.message === 'string' ? fields.message : String(err),
    ...(typeof fields.code === 'string' ? { code: fields.code } : {}),
    ...(typeof fields.retryAfterSeconds === 'number' ? { retryAfterSeconds: fields.retryAfterSeconds } : {})
  }
}

/** What to tell the user about a chat that failed (not one they cancelled, nor a verifier that went away). */
export function describeChatFailure (failure: ChatFailure): string {
  if (failure.name === 'VerifierUnreachableError') {
    return 'No verifier could be reached. Check the Network page, then retry.'
  }
  if (failure.name === 'VerifierGoneError') {
    return 'The verifier went away before finishing this answer.'
  }
  switch (failure.code) {
    case 'BUSY': {
      const after = failure.retryAfterSeconds === undefined ? 'in a moment' : `in ${Math.max(1, Math.ceil(failure.retryAfterSeconds))} s`
      return `The verifier is busy. Try again ${after}.`
    }
    case 'LIMIT':
      return `The verifier refused: you are over its limits (${failure.message}).${failure.retryAfterSeconds === undefined ? '' : ` Try again in ${Math.max(1, Math.ceil(failure.retryAfterSeconds))} s.`}`
    case 'INVALID_REQUEST':
    case 'MALFORMED_MESSAGE':
    case 'TOO_LARGE':
      return `The verifier cannot answer this request: ${failure.message}`
    case 'CANCELLED':
      return `The verifier gave up on this answer: ${failure.message}`
    case undefined:
      return `Something went wrong: ${failure.message}`
    default:
      return `The verifier failed: ${failure.message}`
  }
}

/**
 * The hand-overs of an answer that more than one verifier wrote, one line
 * each: who went away where, why, and how the next went on. None for an
 * answer one verifier wrote.
 */
export function describeHandovers (parts: ReadonlyArray<Pick<AnswerPart, 'verifierPeerId' | 'start' | 'continued' | 'reason'>>): string[] {
  return parts.slice(1).map((part, index) => {
    const before = parts[index]
    const who = before === undefined ? 'a verifier' : `verifier ${shortPeerId(before.verifierPeerId)}`
    const how = part.continued
      ? `continued it from its tokens after ${part.start} characters`
      : 'wrote it again from the start (what was shown was kept, not repeated)'
    return `Handed over: ${who} went away (${part.reason ?? 'no reason given'}); verifier ${shortPeerId(part.verifierPeerId)} ${how}.`
  })
}

/** Random enough for record ids; works outside secure contexts, unlike `crypto.randomUUID`. */
export function randomId (): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
