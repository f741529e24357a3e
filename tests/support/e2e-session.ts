import { test } from '@playwright/test'
import { launchProfile } from './browser.ts'
import type { ShoalProcess } from './processes.ts'
import type { BrowserContext, Page } from '@playwright/test'

export interface E2eSession {
  /** Processes a test started (relay, gpu-node): stopped after each test. */
  processes: ShoalProcess[]
  /** Browser profiles a test opened: closed after each test, before the processes stop. */
  profiles: BrowserContext[]
  /** A fresh browser profile's first page, closed after the test. */
  openProfile: () => Promise<Page>
}

/**
 * What an end-to-end spec starts, cleaned up after each of its tests:
 * profiles first (so pages do not see their verifier vanish), then the
 * processes. Call once at the top of a spec.
 */
export function e2eSession (): E2eSession {
  const processes: ShoalProcess[] = []
  const profiles: BrowserContext[] = []
  test.afterEach(async () => {
    await Promise.all(profiles.splice(0).map(async (profile) => { await profile.close() }))
    await Promise.all(processes.splice(0).map(async (process) => { await process.stop() }))
  })
  return {
    processes,
    profiles,
    openProfile: async () => {
      const profile = await launchProfile()
      profiles.push(profile)
      return profile.pages()[0] ?? await profile.newPage()
    }
  }
}
