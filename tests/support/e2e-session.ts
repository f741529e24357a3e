import { test } from '@playwright/test'
import { launchProfile } from './browser.ts'
import type { ShoalProcess } from './processes.ts'
import type { BrowserContext, Page, TestInfo } from '@playwright/test'

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
 * processes. Call once at the top of a spec. When a test fails, what the
 * processes printed and what the pages logged is attached to its report
 * (the list reporter prints it), so a failure that does not come back on a
 * rerun can still be read.
 */
export function e2eSession (): E2eSession {
  const processes: ShoalProcess[] = []
  const profiles: BrowserContext[] = []
  const consoles = new Map<BrowserContext, string[]>()
  // Playwright reads the fixtures a hook needs from its first parameter's pattern: none here.
  test.afterEach(async ({}, testInfo) => {
    if (testInfo.status !== testInfo.expectedStatus) {
      await attachLogs(testInfo, [
        ...processes.map((process, index) => ({ name: `${index}-${programOf(process)}`, text: process.output() })),
        ...profiles.map((profile, index) => ({ name: `profile-${index}-console`, text: (consoles.get(profile) ?? []).join('\n') }))
      ])
    }
    await Promise.all(profiles.splice(0).map(async (profile) => { await profile.close() }))
    consoles.clear()
    await Promise.all(processes.splice(0).map(async (process) => { await process.stop() }))
  })
  return {
    processes,
    profiles,
    openProfile: async () => {
      const profile = await launchProfile()
      profiles.push(profile)
      const lines: string[] = []
      consoles.set(profile, lines)
      profile.on('console', (message) => { lines.push(`${new Date().toISOString()} ${message.type()}: ${message.text()}`) })
      profile.on('weberror', (error) => { lines.push(`${new Date().toISOString()} uncaught: ${error.error().message}`) })
      return profile.pages()[0] ?? await profile.newPage()
    }
  }
}

/** `relay` or `gpu-node`: the folder of the entry file it runs (`<program>/src/main.ts`). */
function programOf (process: ShoalProcess): string {
  return process.child.spawnargs.find((arg) => arg.endsWith('.ts'))?.split('/').at(-3) ?? 'process'
}

async function attachLogs (testInfo: TestInfo, logs: Array<{ name: string, text: string }>): Promise<void> {
  for (const { name, text } of logs) {
    await testInfo.attach(name, { body: text, contentType: 'text/plain' })
  }
}
