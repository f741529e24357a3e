import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './tests/support/browser.ts'

/**
 * One runner for every test. Unit specs sit beside their source
 * (`*.test.ts`); integration specs start real relay and gpu-node processes;
 * end-to-end specs add real Chromium. The machines have 2 cores, so tests
 * run one at a time.
 */
export default defineConfig({
  workers: 1,
  fullyParallel: false,
  forbidOnly: process.env.CI !== undefined,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 20_000 },
  reporter: [['list'], ['./tests/summary-reporter.ts']],
  use: {
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    trace: 'retain-on-failure'
  },
  projects: [
    {
      name: 'unit',
      testDir: '.',
      testMatch: ['protocol/**/*.test.ts', 'common/**/*.test.ts', 'src/**/*.test.ts', 'relay/**/*.test.ts', 'gpu-node/**/*.test.ts', 'demo-models/**/*.test.ts', 'tests/unit/**/*.test.ts']
    },
    {
      name: 'integration',
      testDir: './tests/integration',
      testMatch: '**/*.spec.ts'
    },
    {
      name: 'e2e',
      testDir: './tests/e2e',
      testMatch: '**/*.spec.ts'
    }
  ]
})
