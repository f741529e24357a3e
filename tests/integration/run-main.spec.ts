/**
 * How a server process (`runMain`, which both the relay and gpu-node run
 * under) ends after a fault: a real child process, so exit codes and output
 * are what a supervisor sees.
 */
import { expect, test } from '@playwright/test'
import { UNCAUGHT_EXCEPTION_EXIT_CODE } from '#server'
import { runToExit } from './run-to-exit.ts'

const SERVER = 'tests/support/faulty-server.ts'

test('an uncaught exception is logged, the server stops cleanly, and the process exits 70 for a supervisor to restart it', async () => {
  const exited = await runToExit(SERVER, ['throw'])
  expect(exited.code).toBe(UNCAUGHT_EXCEPTION_EXIT_CODE)
  expect(exited.stderr).toMatch(/^shoal-faulty-server: error: uncaught exception: Error: a bug in a timer \(at .*faulty-server\.ts.*\); exiting$/m)
  expect(exited.stdout).toContain('stopped cleanly')
})

test('an unhandled rejection is logged and the server keeps serving', async () => {
  const exited = await runToExit(SERVER, ['reject'])
  expect(exited.stderr).toMatch(/^shoal-faulty-server: error: unhandled rejection: Error: a peer hung up/m)
  expect(exited.stdout).toContain('still serving after the rejection')
  // It left only when asked to (SIGTERM), as a healthy server does.
  expect(exited.stdout).toContain('stopped cleanly')
  expect(exited.code).toBe(0)
})
