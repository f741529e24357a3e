import adapter from '@sveltejs/adapter-static'
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte'

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  compilerOptions: {
    runes: true
  },
  kit: {
    // A static SPA: the relay (or any static host) serves build/, and every
    // unknown path falls back to index.html so deep links work.
    adapter: adapter({ fallback: 'index.html' }),
    // The service worker is registered by the PWA plugin, not by SvelteKit.
    serviceWorker: { register: false }
  }
}

export default config
