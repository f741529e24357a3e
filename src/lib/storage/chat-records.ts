import { z } from 'zod'

/**
 * The shapes of stored chats. IndexedDB hands back whatever an app version
 * once wrote (or a user's devtools edit), so each read is parsed with these
 * schemas; records that do not parse are skipped, never trusted.
 */

/**
 * Who may see a conversation's context. Only 'verifier-only' exists in
 * practice today; drafters will need 'drafters-allowed' (see docs/chat.md).
 */
export const PRIVACY_POLICIES = ['verifier-only', 'drafters-allowed'] as const
export type PrivacyPolicy = typeof PRIVACY_POLICIES[number]
export const DEFAULT_PRIVACY_POLICY: PrivacyPolicy = 'verifier-only'

export const conversationRecordSchema = z.object({
  id: z.string().min(1),
  title: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  privacy: z.enum(PRIVACY_POLICIES).catch(DEFAULT_PRIVACY_POLICY)
})
export type ConversationRecord = z.infer<typeof conversationRecordSchema>

/**
 * - complete: the verifier finished the answer.
 * - streaming: tokens are arriving (a record left in this state by a page that is gone is
 *   turned into 'interrupted' when the chat page loads).
 * - interrupted: the verifier, or the page, went away mid-answer; the partial text is kept.
 * - cancelled: the user pressed Stop; the partial text is kept.
 * - error: the verifier refused or failed; `error` says why.
 */
export const MESSAGE_STATUSES = ['complete', 'streaming', 'interrupted', 'cancelled', 'error'] as const
export type MessageStatus = typeof MESSAGE_STATUSES[number]

export const messageTimingsSchema = z.object({
  queuedMs: z.number().nonnegative(),
  firstTokenMs: z.number().nonnegative(),
  totalMs: z.number().nonnegative()
})
export type MessageTimings = z.infer<typeof messageTimingsSchema>

export const messageUsageSchema = z.object({
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative()
})
export type MessageUsage = z.infer<typeof messageUsageSchema>

/** What an answer was asked for: which turns its prompt held, and how long an answer (see context-budget.ts). */
export const sentPromptSchema = z.object({
  /** Sequence of the first conversation message sent; older ones were left out to fit the context. */
  from: z.number().int().nonnegative(),
  /** How many older messages were left out. */
  omitted: z.number().int().nonnegative(),
  /** When it was sent: a message changed since then was sent differently. */
  sentAt: z.number(),
  /** The answer length asked for. */
  maxTokens: z.number().int().positive(),
  /** `maxTokens` was cut to the room left in the context. */
  contextLimited: z.boolean()
})
export type SentPrompt = z.infer<typeof sentPromptSchema>

/** Who helped the verifier with an answer, from its served receipt (absent when no one drafted). */
export const answerDraftingSchema = z.object({
  /** Drafters that worked on the answer. */
  contributors: z.number().int().positive(),
  /** Drafted tokens the verifier kept: tokens of the answer the drafters wrote. */
  acceptedTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  /** Forward passes the verifier made; without drafts it makes one per completion token. */
  passes: z.number().int().nonnegative()
})
export type AnswerDrafting = z.infer<typeof answerDraftingSchema>

/** Most verifiers one answer is handed over between (the page stops handing over after that). */
export const MAX_ANSWER_PARTS = 8

/**
 * One verifier's part of an answer that another verifier took over when this
 * one went away mid-answer (see docs/chat.md): who wrote it and from where.
 */
export const answerPartSchema = z.object({
  verifierPeerId: z.string().min(1),
  model: z.string().optional(),
  /** Where its text starts in the answer, in characters (UTF-16 code units). */
  start: z.number().int().nonnegative(),
  /** It went on from the answer's tokens so far: its receipt's prompt ends with that text as an assistant turn. */
  continued: z.boolean(),
  /** Why the part before it ended, in words. */
  reason: z.string().optional()
})
export type AnswerPart = z.infer<typeof answerPartSchema>

export const messageRecordSchema = z.object({
  id: z.string().min(1),
  conversationId: z.string().min(1),
  /** Position in the conversation: 0, 1, 2, … */
  sequence: z.number().int().nonnegative(),
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  status: z.enum(MESSAGE_STATUSES),
  createdAt: z.number(),
  updatedAt: z.number(),
  /** The verifier that answered (assistant messages). */
  verifierPeerId: z.string().optional(),
  /** The model that answered, as the verifier named it. */
  model: z.string().optional(),
  /** The verifier ran a built-in demo model: the text is a tiny model's story, not a source of facts. */
  demo: z.boolean().optional(),
  finishReason: z.string().optional(),
  usage: messageUsageSchema.optional(),
  /** The answering model's context, in tokens, as its verifier announced it. */
  contextLength: z.number().int().positive().optional(),
  /** What the answer was asked for (answers sent since the page fits prompts to the context). */
  prompt: sentPromptSchema.optional(),
  timings: messageTimingsSchema.optional(),
  /** The verifiers that wrote it, in order, when it was handed over mid-answer (absent when one wrote it all). */
  parts: z.array(answerPartSchema).max(MAX_ANSWER_PARTS).optional(),
  /** Why the answer failed, in words for the user. */
  error: z.string().optional(),
  /** The verifier's signed `served` receipt for this answer, kept in the receipts store. */
  receiptId: z.string().optional(),
  /** Why the answer's receipt was refused, in words for the user. */
  receiptProblem: z.string().optional(),
  /** Who drafted for the answer, as its checked receipt says. */
  drafting: answerDraftingSchema.optional(),
  /** The receipt's emulation label: its timings came from a verifier emulating other hardware. */
  emulation: z.string().optional(),
  /**
   * The page life that is streaming this answer (while status is 'streaming'): that page holds a
   * Web Lock of this name, so another tab can tell a live answer from one whose page is gone.
   */
  writerLock: z.string().optional()
})
export type MessageRecord = z.infer<typeof messageRecordSchema>

/** Parses a stored record; undefined (with a warning) when it does not have the expected shape. */
export function parseStored<T> (schema: z.ZodType<T>, value: unknown, what: string): T | undefined {
  const result = schema.safeParse(value)
  if (!result.success) {
    console.warn(`Shoal: skipping an unreadable stored ${what}:`, z.prettifyError(result.error))
    return undefined
  }
  return result.data
}
