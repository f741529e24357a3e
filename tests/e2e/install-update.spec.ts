/**
 * The app's own Install button and an update prompt that says what changed, against `build/`
 * served by a real relay, in Chromium with a fresh persistent profile (installability needs one).
 */
import { existsSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, expect, test } from '@playwright/test'
import type { BrowserContext, Page } from '@playwright/test'
import { RELEASE_NOTES } from '../../src/lib/ui/release-notes.ts'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/browser.ts'
import { REPO_ROOT, startRelay } from '../support/processes.ts'
import type { ShoalProcess } from '../support/processes.ts'

const APP_DIR = join(REPO_ROOT, 'build')
/** Installing the service worker downloads the whole precache: allow it time on a slow runner. */
const SERVICE_WORKER_DEADLINE_MS = 30_000

let workDir: string
let relay: ShoalProcess
let context: BrowserContext
let page: Page

test.beforeEach(async () => {
  if (!existsSync(join(APP_DIR, 'service-worker.js'))) throw new Error(`no built app in ${APP_DIR}: run \`npm run build\` first`)
  workDir = await mkdtemp(join(tmpdir(), 'shoal-install-'))
  await cp(APP_DIR, join(workDir, 'app'), { recursive: true })
  relay = await startRelay({ appDir: join(workDir, 'app'), keyFile: join(workDir, 'relay.key') })
  context = await chromium.launchPersistentContext(join(workDir, 'profile'), { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, baseURL: relay.url })
  page = context.pages()[0] ?? await context.newPage()
})

test.afterEach(async () => {
  await context.close()
  await relay.stop()
  await rm(workDir, { recursive: true, force: true })
})

async function waitForServiceWorkerControl (): Promise<void> {
  await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.state ?? 'none'),
    { timeout: SERVICE_WORKER_DEADLINE_MS, message: 'service worker never activated' }).toBe('activated')
  if (!await page.evaluate(() => navigator.serviceWorker.controller !== null)) await page.reload()
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: SERVICE_WORKER_DEADLINE_MS }).toBe(true)
}

test('the browser\'s install offer shows an Install button in the app, which opens the browser\'s dialog and then goes', async () => {
  await page.goto('/')
  const installButton = page.getByRole('banner').getByRole('button', { name: 'Install' })
  // Chromium offers once the app is installable (manifest, icons, service worker): the app keeps the offer for its button.
  await expect(installButton).toBeVisible({ timeout: SERVICE_WORKER_DEADLINE_MS })
  await installButton.click()
  await expect(installButton).toHaveCount(0)
})

test('installed from the browser\'s own menu instead, the app takes its Install button away', async () => {
  await page.goto('/')
  const installButton = page.getByRole('banner').getByRole('button', { name: 'Install' })
  await expect(installButton).toBeVisible({ timeout: SERVICE_WORKER_DEADLINE_MS })
  // What Chromium fires at the page when the app is installed by any route (no test can click its menu).
  await page.evaluate(() => { window.dispatchEvent(new Event('appinstalled')) })
  await expect(installButton).toHaveCount(0)
  // Gone from the app, not only from one page.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Network' }).click()
  await expect(page.getByRole('heading', { name: 'Network', level: 1 })).toBeVisible()
  await expect(installButton).toHaveCount(0)
})

test('an install offer made before the app has started still gives the Install button', async () => {
  // Hold the app's code back so that Chromium's offer comes first, as it can on a slow machine.
  await page.route('**/_app/immutable/**/*.js', async (route) => {
    await new Promise((resolve) => { setTimeout(resolve, 4_000) })
    await route.continue()
  })
  await page.goto('/')
  await expect(page.getByRole('banner').getByRole('button', { name: 'Install' })).toBeVisible({ timeout: SERVICE_WORKER_DEADLINE_MS })
})

test('a new version waiting says which version it is and what it changed, from its own release notes', async () => {
  await page.goto('/')
  await waitForServiceWorkerControl()
  const prompt = page.getByTestId('update-prompt')
  await expect(prompt).toHaveCount(0)

  // Deploy a new version whose notes differ: the page runs the old code, so only the waiting worker can tell.
  const serviceWorkerPath = join(workDir, 'app', 'service-worker.js')
  const source = await readFile(serviceWorkerPath, 'utf8')
  const firstChange = RELEASE_NOTES.changes[0] ?? ''
  expect(source, 'the built worker ships the release notes').toContain(firstChange)
  // The minifier quotes strings as it likes: "…", '…' or `…`.
  const version = new RegExp(`version:(["'\`])${RELEASE_NOTES.version.replaceAll('.', '\\.')}\\1`)
  expect(source).toMatch(version)
  const nextChange = 'Charts on the Network page show round-trip times over the last minutes.'
  await writeFile(serviceWorkerPath, source.replace(firstChange, nextChange).replace(version, 'version:"9.9.9"'))
  await page.evaluate(async () => { await (await navigator.serviceWorker.getRegistration())?.update() })

  await expect(prompt).toBeVisible({ timeout: SERVICE_WORKER_DEADLINE_MS })
  await expect(prompt).toContainText('A new version of Shoal is available: 9.9.9')
  await expect(prompt.getByTestId('update-changes').getByRole('listitem')).toHaveText([nextChange, ...RELEASE_NOTES.changes.slice(1)])
  // Under the navigation, not over the bottom of the page where the chat's composer is.
  const header = await page.getByRole('banner').boundingBox()
  const box = await prompt.boundingBox()
  expect(box?.y ?? 0).toBeGreaterThanOrEqual((header?.y ?? 0) + (header?.height ?? 0))
  const composer = await page.getByRole('textbox', { name: 'Message' }).boundingBox()
  expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThan(composer?.y ?? 0)
})
