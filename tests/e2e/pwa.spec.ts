/**
 * The built app is an installable, offline-capable PWA with a working update prompt.
 *
 * Runs against `build/` (run `npm run build` first) served by a real relay, in Chromium with a
 * persistent profile: throwaway contexts report `in-incognito` to the installability check and
 * may refuse to start service workers. Each test gets a fresh profile, so a fresh install.
 */
import { existsSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, expect, test, type Page } from '@playwright/test'
import { z } from 'zod'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/browser.ts'
import { REPO_ROOT, startRelay } from '../support/processes.ts'

const APP_DIR = join(REPO_ROOT, 'build')
/** Installing the service worker downloads the whole precache: allow it time on a slow runner. */
const SERVICE_WORKER_DEADLINE_MS = 20_000

const manifestSchema = z.object({
  name: z.string().min(1),
  short_name: z.string().min(1),
  start_url: z.string(),
  scope: z.string(),
  display: z.literal('standalone'),
  theme_color: z.string().regex(/^#[0-9a-f]{6}$/i),
  background_color: z.string().regex(/^#[0-9a-f]{6}$/i),
  icons: z.array(z.object({
    src: z.string(),
    sizes: z.string().regex(/^\d+x\d+$/),
    type: z.literal('image/png'),
    purpose: z.string().default('any')
  }))
})

interface ServedApp {
  /** Origin the app is served from. */
  url: string
  /** Rewrites the served service-worker.js, as deploying a new version of the app would. */
  deployServiceWorker: (transform: (source: string) => string) => Promise<void>
}

/**
 * `app`: a private copy of build/ served by a real relay (so a test may "deploy" over it);
 * `context`: Chromium with a fresh persistent profile, i.e. a first visit with nothing installed.
 */
const pwaTest = test.extend<{ app: ServedApp }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads fixture dependencies from the pattern.
  app: async ({}, use) => {
    if (!existsSync(join(APP_DIR, 'index.html')) || !existsSync(join(APP_DIR, 'service-worker.js'))) {
      throw new Error(`no built app in ${APP_DIR}: run \`npm run build\` first`)
    }
    const workDir = await mkdtemp(join(tmpdir(), 'shoal-pwa-'))
    const appDir = join(workDir, 'app')
    await cp(APP_DIR, appDir, { recursive: true })
    const relay = await startRelay({ appDir, keyFile: join(workDir, 'relay.key') })
    const serviceWorkerPath = join(appDir, 'service-worker.js')
    await use({
      url: relay.url,
      deployServiceWorker: async (transform) => {
        await writeFile(serviceWorkerPath, transform(await readFile(serviceWorkerPath, 'utf8')))
      }
    })
    await relay.stop()
    await rm(workDir, { recursive: true, force: true })
  },
  context: async ({ app }, use) => {
    const profileDir = await mkdtemp(join(tmpdir(), 'shoal-pwa-profile-'))
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      baseURL: app.url
    })
    await use(context)
    await context.close()
    await rm(profileDir, { recursive: true, force: true })
  },
  page: async ({ context }, use) => {
    await use(context.pages()[0] ?? await context.newPage())
  }
})

/** Waits until the service worker is active and controls the page (reloading once if it isn't). */
async function waitForServiceWorkerControl (page: Page): Promise<void> {
  await expect.poll(() => page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration()
    return registration?.active?.state ?? 'none'
  }), { timeout: SERVICE_WORKER_DEADLINE_MS, message: 'service worker never activated' }).toBe('activated')
  if (!await page.evaluate(() => navigator.serviceWorker.controller !== null)) await page.reload()
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), {
    timeout: SERVICE_WORKER_DEADLINE_MS,
    message: 'the active service worker never took control of the page'
  }).toBe(true)
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize (bytes: Buffer): { width: number, height: number } {
  expect(bytes.subarray(1, 4).toString('ascii'), 'not a PNG').toBe('PNG')
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

pwaTest('Chrome finds the app installable', async ({ context, page }) => {
  await page.goto('/')
  const devtools = await context.newCDPSession(page)
  // Chrome fetches and checks the manifest after load: poll until it has an answer without errors.
  await expect.poll(async () => {
    const { installabilityErrors } = await devtools.send('Page.getInstallabilityErrors')
    return installabilityErrors.map((error) => error.errorId)
  }, { timeout: SERVICE_WORKER_DEADLINE_MS, message: 'installability errors' }).toEqual([])
})

pwaTest('the web app manifest describes a standalone app with any and maskable icons', async ({ app, page }) => {
  // A deep link: the manifest link must resolve from any route, not only from /.
  await page.goto('/network')
  const { href, json } = await page.evaluate(async () => {
    const link = document.querySelector<HTMLLinkElement>('link[rel="manifest"]')
    if (link === null) return { href: '', json: null }
    const response = await fetch(link.href)
    return { href: link.href, json: response.ok ? await response.json() as unknown : null }
  })
  expect(href, 'no <link rel="manifest"> in the page').toBe(`${app.url}/manifest.webmanifest`)
  const manifest = manifestSchema.parse(json)
  expect(manifest).toMatchObject({ name: 'Shoal', short_name: 'Shoal', start_url: '/', scope: '/', display: 'standalone' })

  const icons = manifest.icons.map((icon) => ({ ...icon, size: Number(icon.sizes.split('x')[0]), purposes: icon.purpose.split(/\s+/) }))
  const maskableSizes = icons.filter((icon) => icon.purposes.includes('maskable')).map((icon) => icon.size)
  expect(maskableSizes).toEqual(expect.arrayContaining([192, 512]))
  expect(icons.some((icon) => icon.purposes.includes('any') && icon.size >= 144), 'an "any" icon of at least 144 px').toBe(true)

  // Every icon exists, is a PNG and has the size it claims.
  for (const icon of icons) {
    const response = await page.request.get(new URL(icon.src, href).href)
    expect(response.status(), icon.src).toBe(200)
    expect(pngSize(await response.body()), icon.src).toEqual({ width: icon.size, height: icon.size })
  }
})

pwaTest('after the first visit the app opens offline, deep links included', async ({ context, page }) => {
  await page.goto('/')
  await waitForServiceWorkerControl(page)
  await expect(page.getByRole('status').getByText('Shoal is ready to work offline')).toBeVisible()

  await context.setOffline(true)
  const reloaded = await page.reload()
  expect(reloaded?.fromServiceWorker(), 'the reload was answered by the service worker').toBe(true)
  await expect(page.getByRole('banner').getByRole('link', { name: 'Shoal' })).toBeVisible()

  const deepLink = await page.goto('/network')
  expect(deepLink?.fromServiceWorker(), 'the deep link was answered by the service worker').toBe(true)
  await expect(page.getByRole('banner').getByRole('link', { name: 'Shoal' })).toBeVisible()
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Network' })).toHaveAttribute('aria-current', 'page')
})

pwaTest('on a phone, the "ready to work offline" notice covers neither the navigation nor the page\'s heading', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 780 })
  await page.goto('/network')
  const notice = page.getByRole('status').filter({ hasText: 'Shoal is ready to work offline' })
  await expect(notice).toBeVisible({ timeout: 30_000 })
  const noticeBox = await notice.boundingBox()
  for (const covered of [page.getByRole('banner'), page.getByRole('heading', { name: 'Network', level: 1 })]) {
    const box = await covered.boundingBox()
    const overlaps = noticeBox !== null && box !== null && noticeBox.y < box.y + box.height && box.y < noticeBox.y + noticeBox.height
    expect(overlaps, `the notice (${JSON.stringify(noticeBox)}) covers ${JSON.stringify(box)}`).toBe(false)
  }
})

pwaTest('a new version shows the update prompt, and Reload switches to it', async ({ app, page }) => {
  await page.goto('/')
  await waitForServiceWorkerControl(page)
  const updatePrompt = page.getByRole('alert').getByText('A new version of Shoal is available')
  await expect(updatePrompt).toHaveCount(0)

  // Deploy a new version: the same worker plus a handler that names itself, so the test can tell
  // which worker controls the page afterwards. (context.route() does not see the browser's fetch of
  // a worker script, so the change is made on the server.)
  await app.deployServiceWorker((source) => `${source}
;self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'PWA_TEST_VERSION') event.ports[0].postMessage('next')
})
`)
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration()
    await registration?.update()
  })

  await expect(updatePrompt).toBeVisible({ timeout: SERVICE_WORKER_DEADLINE_MS })
  // Nothing switches before the user agrees: the new worker waits, the old one stays in control.
  expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state)).toBe('installed')
  expect(await askControllerVersion(page)).toBe('no reply')

  const pageBeforeUpdate = await page.evaluate(() => performance.timeOrigin)
  await page.getByRole('button', { name: 'Reload' }).click()

  await expect.poll(async () => {
    try {
      const timeOrigin = await page.evaluate(() => performance.timeOrigin)
      return timeOrigin === pageBeforeUpdate ? 'not reloaded' : await askControllerVersion(page)
    } catch {
      return 'navigating'
    }
  }, { timeout: SERVICE_WORKER_DEADLINE_MS, message: 'the page reloaded under the new worker' }).toBe('next')
  await expect(page.getByRole('banner').getByRole('link', { name: 'Shoal' })).toBeVisible()
  await expect(updatePrompt).toHaveCount(0)
})

/** 'next' from the worker the test deployed; the build's own worker has no such handler. */
async function askControllerVersion (page: Page): Promise<string> {
  return await page.evaluate(async () => {
    const controller = navigator.serviceWorker.controller
    if (controller === null) return 'uncontrolled'
    const channel = new MessageChannel()
    const reply = new Promise<string>((resolveReply) => {
      channel.port1.onmessage = (event: MessageEvent<unknown>) => resolveReply(String(event.data))
    })
    controller.postMessage({ type: 'PWA_TEST_VERSION' }, [channel.port2])
    const deadline = new Promise<string>((resolveDeadline) => setTimeout(() => resolveDeadline('no reply'), 1000))
    return await Promise.race([reply, deadline])
  })
}
