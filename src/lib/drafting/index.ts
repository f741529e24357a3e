/**
 * The drafter's side of the draft protocol (`/shoal/draft/1.1.0`): a tab
 * that contributes runs a small draft model and drafts ahead for answers
 * a verifier is generating. See docs/drafting.md.
 */
export { Drafter, DraftRefusedError } from './drafter.ts'
export type { DraftEngine, DrafterInit, DrafterStats } from './drafter.ts'
export { DraftJobState } from './draft-job-state.ts'
export { ReprefillDraftEngine } from './reprefill-draft-engine.ts'
export type { ForwardOnlyCore, ReprefillDraftEngineInit, ReprefillStats } from './reprefill-draft-engine.ts'
export { draftTransport } from './draft-transport.ts'
export type { DraftTransport } from './draft-transport.ts'
export { pickDraftTarget, waitForDraftTarget } from './draft-target.ts'
export type { DraftTarget, DraftingMesh } from './draft-target.ts'
