import { sveltekit } from '@sveltejs/kit/vite'
import { SvelteKitPWA } from '@vite-pwa/sveltekit'
import { defineConfig } from 'vite'

/** Brand colour: header bar, browser UI and splash screen (also in src/app.html and the icons). */
const THEME_COLOUR = '#0f4c5c'

export default defineConfig({
  plugins: [
    sveltekit(),
    SvelteKitPWA({
      base: '/',
      scope: '/',
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'service-worker.ts',
      registerType: 'prompt',
      // src/lib/ui/pwa-registration.svelte.ts registers the worker (with workbox-window) and
      // drives the update prompt; the plugin must not add a second registration.
      injectRegister: false,
      // src/app.html links the manifest statically (see docs/pwa.md); don't inject another link.
      manifestFilename: 'manifest.webmanifest',
      includeManifestIcons: false,
      kit: {
        adapterFallback: 'index.html',
        spa: true
      },
      manifest: {
        id: '/',
        name: 'Shoal',
        short_name: 'Shoal',
        description: 'Chat with language models on a mesh of browsers, and lend your idle browser as a draft engine.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: THEME_COLOUR,
        theme_color: THEME_COLOUR,
        categories: ['productivity', 'utilities'],
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' }
        ]
      },
      injectManifest: {
        // The app shell only. Model weights are large and fetched (and cached) on demand by the
        // inference code, never installed with the app.
        globPatterns: [
          'client/**/*.{js,css,html,ico,png,svg,webp,woff2,json,wasm,webmanifest}',
          'prerendered/**/*.{html,json}'
        ],
        globIgnores: [
          'server/**',
          'client/models/**',
          '**/*.gguf',
          '**/*.bin',
          '**/*.safetensors',
          '**/*.onnx'
        ],
        // A backstop: anything bigger (a model-sized .wasm or data file) stays out of the precache.
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024
      },
      devOptions: {
        // The worker needs the build's precache manifest; `vite dev` runs without one.
        enabled: false
      }
    })
  ]
})
