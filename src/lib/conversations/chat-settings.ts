import { z } from 'zod'
import { MAX_CHAT_MAX_TOKENS, MAX_CHAT_TEMPERATURE } from '#protocol'
import { DEFAULT_PRIVACY_POLICY, PRIVACY_POLICIES } from '../storage/index.ts'

/** The answer settings (temperature, max tokens) and the privacy of new chats, as stored. */
export const chatSettingsSchema = z.object({
  temperature: z.number().min(0).max(MAX_CHAT_TEMPERATURE),
  maxTokens: z.number().int().min(1).max(MAX_CHAT_MAX_TOKENS),
  /** Privacy of new chats (settings stored before it existed read as the default). */
  privacy: z.enum(PRIVACY_POLICIES).default(DEFAULT_PRIVACY_POLICY)
})
export type ChatSettings = z.infer<typeof chatSettingsSchema>

/** Some variety for people; the settings panel offers 0 for reproducible (greedy) answers. */
export const DEFAULT_CHAT_SETTINGS: ChatSettings = { temperature: 0.7, maxTokens: 512, privacy: DEFAULT_PRIVACY_POLICY }
