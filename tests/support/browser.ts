import { rm } from 'node:fs/promises'
import { chromium } from '@playwright/test'
import type { BrowserContext } from '@playwright/test'
import { temporaryDirectory } from './processes.ts'

/** Flags for Debian's Chromium in a headless, offline sandbox. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless=new',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Offer raw host ICE candidates: the verifier cannot resolve Chromium's mDNS
  // (.local) names inside the test's private network.
  '--disable-features=WebRtcHideLocalIpsWithMdns'
]

export const CHROMIUM_PATH = process.env.SHOAL_CHROMIUM ?? '/usr/bin/chromium'

/**
 * A Chromium profile of its own (a persistent context: service workers and
 * installability checks need one), like one person's browser.
 */
export async function launchProfile (): Promise<BrowserContext> {
  const directory = await temporaryDirectory('shoal-profile-')
  const profile = await chromium.launchPersistentContext(directory, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS
  })
  // Best effort: Chromium may still be flushing the profile when 'close' fires.
  profile.on('close', () => { rm(directory, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }).catch(() => {}) })
  return profile
}
