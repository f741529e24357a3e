/**
 * Registers Shoal's service worker and exposes, as rune state, what the update prompt needs.
 *
 * Updates follow the "prompt" flow: a new worker installs in the background and waits; the user
 * decides when to switch (`applyUpdate()` posts `{ type: 'SKIP_WAITING' }` and reloads the page
 * once the new worker controls it), so an open chat is never reloaded under their feet.
 *
 * @example
 * ```svelte
 * <script lang="ts">
 *   const pwa = new PwaRegistration()
 *   $effect(() => {
 *     pwa.start()
 *     return () => pwa.stop()
 *   })
 * </script>
 *
 * {#if pwa.updateAvailable}<button onclick={() => pwa.applyUpdate()}>Reload</button>{/if}
 * ```
 */
import { Workbox } from 'workbox-window'
import { z } from 'zod'
import { RELEASE_NOTES_MESSAGE } from './release-notes.ts'
import type { ReleaseNotes } from './release-notes.ts'

/** A waiting worker's notes are checked like any message from another context. */
const releaseNotesSchema = z.object({
  version: z.string().min(1).max(40),
  changes: z.array(z.string().min(1).max(300)).max(20)
})

/** How long a waiting worker has to say what it changed; the prompt shows without notes after. */
const RELEASE_NOTES_DEADLINE_MS = 3000

export interface PwaRegistrationInit {
  /**
   * URL of the built service worker.
   *
   * @default '/service-worker.js'
   */
  scriptUrl?: string
  /**
   * How often to look for a new version while the app stays open (an installed PWA may never
   * navigate, so the browser's own check on navigation would rarely run).
   *
   * @default 3_600_000 (one hour)
   */
  updateCheckIntervalMs?: number
}

export class PwaRegistration {
  /** A new version is installed and waiting for the user's go-ahead. */
  updateAvailable = $state(false)
  /** The app shell has just been cached for the first time: the app now works offline. */
  offlineReady = $state(false)
  /** The user chose to update; the page reloads as soon as the new worker takes control. */
  updating = $state(false)
  /** What the waiting version changed, as it says itself; undefined until it has answered (or if it cannot). */
  nextRelease = $state<ReleaseNotes | undefined>(undefined)

  readonly #scriptUrl: string
  readonly #updateCheckIntervalMs: number
  #workbox: Workbox | undefined
  #registration: ServiceWorkerRegistration | undefined
  #updateTimer: ReturnType<typeof setInterval> | undefined
  #running = false

  constructor (init: PwaRegistrationInit = {}) {
    this.#scriptUrl = init.scriptUrl ?? '/service-worker.js'
    this.#updateCheckIntervalMs = init.updateCheckIntervalMs ?? 3_600_000
  }

  /** Registers the worker. Does nothing where service workers are unavailable (e.g. plain http). */
  start (): void {
    if (!('serviceWorker' in navigator)) return
    this.#running = true
    if (this.#workbox !== undefined) {
      this.#startUpdateChecks()
      return
    }
    const workbox = new Workbox(this.#scriptUrl, { scope: '/' })
    this.#workbox = workbox

    workbox.addEventListener('installed', (event) => {
      // Only the very first install: later installs are updates and get the prompt instead.
      if (event.isUpdate !== true && event.isExternal !== true) this.offlineReady = true
    })
    // Fires for a worker installed while this page is open and for one left waiting by an
    // earlier visit (`wasWaitingBeforeRegister`).
    workbox.addEventListener('waiting', (event) => {
      this.updateAvailable = true
      void this.#readReleaseNotes(event.sw)
    })
    workbox.addEventListener('controlling', () => {
      if (this.updating) window.location.reload()
    })

    workbox.register().then((registration) => {
      this.#registration = registration
      this.#startUpdateChecks()
    }, (error: unknown) => {
      console.error('Shoal: service worker registration failed; the app will not work offline', error)
    })
  }

  /** Asks the server for a newer service worker now; a found one shows the prompt. */
  checkForUpdate (): void {
    if (this.#registration === undefined || !navigator.onLine) return
    // A failed check (offline, server restarting) changes nothing: the next one retries.
    this.#registration.update().catch(() => {})
  }

  /** Activates the waiting version, then reloads once it controls the page. */
  applyUpdate (): void {
    this.updating = true
    if (this.#registration?.waiting == null) {
      // Another tab already switched versions: a reload picks up the active one.
      window.location.reload()
      return
    }
    this.#workbox?.messageSkipWaiting()
  }

  dismissUpdate (): void {
    this.updateAvailable = false
  }

  dismissOfflineReady (): void {
    this.offlineReady = false
  }

  /** Asks the waiting worker what its version changed (an older build does not answer: no notes then). */
  async #readReleaseNotes (worker: ServiceWorker | undefined): Promise<void> {
    if (worker === undefined) return
    const channel = new MessageChannel()
    const reply = new Promise<unknown>((resolve) => {
      channel.port1.onmessage = (event: MessageEvent<unknown>) => { resolve(event.data) }
    })
    worker.postMessage({ type: RELEASE_NOTES_MESSAGE }, [channel.port2])
    const answer = await Promise.race([reply, new Promise<undefined>((resolve) => setTimeout(resolve, RELEASE_NOTES_DEADLINE_MS))])
    channel.port1.close()
    const notes = releaseNotesSchema.safeParse(answer)
    if (notes.success) this.nextRelease = notes.data
  }

  #startUpdateChecks (): void {
    if (!this.#running || this.#registration === undefined) return
    this.#updateTimer ??= setInterval(() => this.checkForUpdate(), this.#updateCheckIntervalMs)
  }

  /** Stops the periodic update checks; the worker itself stays registered. */
  stop (): void {
    this.#running = false
    clearInterval(this.#updateTimer)
    this.#updateTimer = undefined
  }
}
