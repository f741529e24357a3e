/** Where the committed story pair lies (demo-models/), for the test, the checks and later users. */
import { fileURLToPath } from 'node:url'

export const STORIES_TARGET_FILE = 'shoal-stories-target.gguf'
export const STORIES_DRAFT_FILE = 'shoal-stories-draft.gguf'

export const STORIES_TARGET_PATH = fileURLToPath(new URL(STORIES_TARGET_FILE, import.meta.url))
export const STORIES_DRAFT_PATH = fileURLToPath(new URL(STORIES_DRAFT_FILE, import.meta.url))
