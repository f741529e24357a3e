import { createLog, errorMessage } from './log.ts'
import type { Log } from './log.ts'

/** What `main` hands back once it is serving: how to stop it. */
export interface RunningServer {
  stop(options: { signal: AbortSignal }): Promise<void>
}

export interface MainContext {
  /** Aborts when SIGINT, SIGTERM or an uncaught exception arrives while `main` is still starting. */
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
 * Exit status after an uncaught exception: `EX_SOFTWARE` of sysexits.h, so a
 * supervisor (systemd, Docker, Kubernetes) sees a failure and restarts it.
 */
export const UNCAUGHT_EXCEPTION_EXIT_CODE = 70

/**
 * Runs a server process: starts `main`, stops it on SIGINT/SIGTERM and exits 0.
 * A startup failure prints one line, `<program>: error: <message>`, on stderr
 * and exits 1. Operators need the message; a stack trace only hides it.
 *
 * An uncaught exception is logged, the server is given a bounded chance to
 * stop cleanly, and the process exits {@link UNCAUGHT_EXCEPTION_EXIT_CODE}.
 * An unhandled rejection is logged and the server keeps serving (see below).
 */
export function runMain (init: RunMainInit, main: (context: MainContext) => Promise<RunningServer | undefined>): void {
  const log = createLog(init.program)
  const shutdownTimeoutMs = init.shutdownTimeoutMs ?? 5_000
  const startup = new AbortController()
  let starting = true
  let running: RunningServer | undefined
  /** Set once the process is on its way out, with the status it will exit with. */
  let leaving: { code: number } | undefined

  const stopAndExit = async (): Promise<void> => {
    try {
      await running?.stop({ signal: AbortSignal.timeout(shutdownTimeoutMs) })
    } catch (err) {
      log.warn(`shutdown was not clean: ${errorMessage(err)}`)
    }
    process.exit(leaving?.code ?? 0)
  }

  const leave = (code: number): void => {
    if (leaving !== undefined) {
      // A failure while stopping still exits as a failure.
      leaving.code = Math.max(leaving.code, code)
      return
    }
    const exiting = { code }
    leaving = exiting
    startup.abort()
    const forceExit = setTimeout(() => process.exit(exiting.code), shutdownTimeoutMs + 500)
    forceExit.unref()
    if (!starting) {
      void stopAndExit()
    }
    // Otherwise `main` is still starting: it sees the aborted signal, and its settling stops and exits.
  }

  // A promise rejected with nobody waiting on it: libp2p, its stream muxers and the stream helpers
  // reject such promises when a peer resets or abandons a stream mid-operation, so exiting here would
  // let any remote peer restart the server at will. No code was cut short by it (the promise had
  // already settled), so the process state is what it was: log it and keep serving.
  process.on('unhandledRejection', (reason) => {
    log.error(`unhandled rejection: ${describeFault(reason)}`)
  })
  // A throw that unwound a callback half way: whatever that callback was updating is in an unknown
  // state, and serving on would answer from it. Stop (bounded) and exit, for a supervisor to restart.
  process.on('uncaughtException', (err) => {
    log.error(`uncaught exception: ${describeFault(err)}; exiting`)
    leave(UNCAUGHT_EXCEPTION_EXIT_CODE)
  })

  const onSignal = (): void => {
    if (leaving !== undefined) {
      // A second Ctrl-C means "now".
      process.exit(leaving.code === 0 ? 130 : leaving.code)
    }
    leave(0)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  main({ signal: startup.signal, log }).then((server) => {
    starting = false
    running = server
    if (leaving !== undefined) {
      void stopAndExit()
    }
  }, (err: unknown) => {
    starting = false
    if (leaving !== undefined) {
      process.exit(leaving.code)
    }
    log.error(errorMessage(err))
    process.exit(1)
  })
}

/** A fault on one line: its message, and where it was thrown (a bug's first clue). */
function describeFault (fault: unknown): string {
  if (!(fault instanceof Error)) {
    return errorMessage(fault)
  }
  const at = fault.stack?.split('\n').find((line) => line.trim().startsWith('at '))?.trim()
  return `${fault.name}: ${errorMessage(fault)}${at === undefined ? '' : ` (${at})`}`
}
