import { createLog, errorMessage } from './log.ts'
import type { Log } from './log.ts'

/** What `main` hands back once it is serving: how to stop it. */
export interface RunningServer {
  stop(options: { signal: AbortSignal }): Promise<void>
}

export interface MainContext {
  /** Aborts when SIGINT or SIGTERM arrives while `main` is still starting. */
  signal: AbortSignal
  log: Log
}

export interface RunMainInit {
  /** Prefix of every error line, e.g. `shoal-relay`. */
  program: string
  /**
   * How long `stop()` may take after SIGINT/SIGTERM before the process exits anyway.
   *
   * @default 5000
   */
  shutdownTimeoutMs?: number
}

/**
 * Runs a server process: starts `main`, stops it on SIGINT/SIGTERM and exits 0.
 * A startup failure prints one line, `<program>: error: <message>`, on stderr
 * and exits 1. Operators need the message; a stack trace only hides it.
 */
export function runMain (init: RunMainInit, main: (context: MainContext) => Promise<RunningServer | undefined>): void {
  const log = createLog(init.program)
  const shutdownTimeoutMs = init.shutdownTimeoutMs ?? 5_000
  const startup = new AbortController()
  let running: RunningServer | undefined
  let stopping = false

  // A bad peer or request must not take the whole mesh node down: log and keep serving.
  process.on('unhandledRejection', (reason) => {
    log.error(`unhandled rejection: ${errorMessage(reason)}`)
  })
  process.on('uncaughtException', (err) => {
    log.error(`uncaught exception: ${errorMessage(err)}`)
  })

  const stopAndExit = async (): Promise<void> => {
    const signal = AbortSignal.timeout(shutdownTimeoutMs)
    const forceExit = setTimeout(() => process.exit(0), shutdownTimeoutMs + 500)
    forceExit.unref()
    try {
      await running?.stop({ signal })
    } catch (err) {
      log.warn(`shutdown was not clean: ${errorMessage(err)}`)
    }
    process.exit(0)
  }

  const onSignal = (): void => {
    if (stopping) {
      // A second Ctrl-C means "now".
      process.exit(130)
    }
    stopping = true
    startup.abort()
    if (running != null) {
      void stopAndExit()
    }
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  main({ signal: startup.signal, log }).then((server) => {
    running = server
    if (stopping) {
      void stopAndExit()
    }
  }, (err: unknown) => {
    if (stopping) {
      process.exit(0)
    }
    log.error(errorMessage(err))
    process.exit(1)
  })
}
