/**
 * What this build of the app changed, in words for its users. The service
 * worker ships it (it answers `{ type: 'RELEASE_NOTES' }` with it), so when a
 * new version waits, the page still running the old one can say what the new
 * one brings before the user reloads. Pure data: imported by the service
 * worker (kept free of libraries for it) and the page alike. Edit it with each release; `version` must match
 * package.json (release-notes.test.ts checks).
 *
 * @example
 * ```ts
 * import { RELEASE_NOTES } from '$lib/ui/release-notes'
 * console.log(`Shoal ${RELEASE_NOTES.version}: ${RELEASE_NOTES.changes.join('; ')}`)
 * ```
 */

export interface ReleaseNotes {
  /** The app's version (package.json's). */
  version: string
  /** What changed since the version before, one line each, most noticeable first. */
  changes: readonly string[]
}

/** The message a page posts to a service worker (with a reply port) to read its notes. */
export const RELEASE_NOTES_MESSAGE = 'RELEASE_NOTES'

export const RELEASE_NOTES: ReleaseNotes = {
  version: '0.1.0',
  changes: [
    'Each answer says who helped: how many contributors drafted, the share of tokens they wrote and the verifier passes they saved.',
    'Answers whose timings came from an emulated GPU are marked "emulated".',
    'An Install button puts Shoal on your home screen or desktop.'
  ]
}
