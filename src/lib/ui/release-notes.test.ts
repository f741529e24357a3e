import { readFile } from 'node:fs/promises'
import { expect, test } from '@playwright/test'
import { RELEASE_NOTES } from './release-notes.ts'

test('the release notes name the version package.json builds, and say in a few lines what changed', async () => {
  const { version } = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  expect(RELEASE_NOTES.version).toBe(version)
  expect(RELEASE_NOTES.changes.length).toBeGreaterThan(0)
  for (const change of RELEASE_NOTES.changes) {
    expect(change.length, change).toBeLessThanOrEqual(300)
  }
})
