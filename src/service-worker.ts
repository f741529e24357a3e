/**
 * Shoal's service worker: makes the app shell installable and usable offline.
 *
 * - Precaches the build's app shell (the list is injected at build time by @vite-pwa/sveltekit,
 *   see `injectManifest` in vite.config.ts) and serves it cache-first.
 * - Answers every in-app navigation with the cached `/index.html` (the SPA fallback), so deep links
 *   such as `/network` open offline; server endpoints and model files always go to the network.
 * - Never activates an update behind the user's back: a new version waits until the page asks for
 *   it with `{ type: 'SKIP_WAITING' }` (the "Reload" button of src/lib/ui/update-prompt.svelte).
 * - Tells a page what its version changed (`{ type: 'RELEASE_NOTES' }`, answered on the message's
 *   port), so the update prompt of the version before can say it.
 */
import { clientsClaim, setCacheNameDetails } from 'workbox-core'
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { RELEASE_NOTES, RELEASE_NOTES_MESSAGE } from './lib/ui/release-notes.ts'

declare const self: ServiceWorkerGlobalScope & {
  /** Replaced with the precache list by workbox-build when the app is built. */
  readonly __WB_MANIFEST: Array<PrecacheEntry | string>
}

/** Paths the relay answers itself: navigating to them must reach the network, not the app shell. */
const NETWORK_ONLY_NAVIGATIONS = [
  /^\/(?:health|metrics)(?:[/?]|$)/,
  /^\/(?:shoal|v1|api)(?:[/?]|$)/,
  // Model files live under /models/; the /models page itself is part of the app.
  /^\/models\//,
  /\.gguf(?:\?|$)/
]

setCacheNameDetails({ prefix: 'shoal' })

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()

registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: NETWORK_ONLY_NAVIGATIONS }))

self.addEventListener('message', (event) => {
  if (isMessageOfType(event.data, 'SKIP_WAITING')) void self.skipWaiting()
  // A page still on the old version asks a waiting worker what it brings (the update prompt says).
  if (isMessageOfType(event.data, RELEASE_NOTES_MESSAGE)) event.ports[0]?.postMessage(RELEASE_NOTES)
})

// On the first install there is no older worker to wait for, so this worker activates at once;
// claiming then puts the page that installed it under control without a reload, so it works offline
// straight away. Updates are unaffected: they still wait for SKIP_WAITING above.
clientsClaim()

function isMessageOfType (data: unknown, type: string): boolean {
  return typeof data === 'object' && data !== null && 'type' in data && data.type === type
}
