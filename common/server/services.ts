import { errorMessage } from './log.ts'
import type { Log } from './log.ts'

/**
 * A part of a server process with a lifecycle, as js-libp2p's services
 * have: it is built with everything it needs (`createX(init)(components)`),
 * does nothing until `start()`, and `stop()` undoes what `start()` did.
 */
export interface Startable {
  start(): void | Promise<void>
  stop(): void | Promise<void>
}

/** The services of a process once they all run: one call stops them all. */
export interface RunningServices {
  /**
   * Stops every service, in the reverse of the order they started, each
   * even if one before it fails. Calling it again waits for the same stop.
   *
   * @throws {ServiceStopError} when any of them failed to stop
   */
  stop(): Promise<void>
}

/** One or more services failed to stop; the others were still stopped. */
export class ServiceStopError extends Error {
  static readonly name = 'ServiceStopError'
  override readonly name = 'ServiceStopError'
}

/**
 * A part that already runs when the services are composed (a file opened or
 * a model loaded before them): it only has a stop, and it is stopped after
 * everything that came later.
 */
export function alreadyStarted (stop: () => void | Promise<void>): Startable {
  return { start: () => {}, stop }
}

export interface StartServicesOptions {
  /** Aborts starting: what started is stopped again. */
  signal?: AbortSignal
  /** Where a failure to stop, while undoing a failed start, is reported (the start failure is what is thrown). */
  log?: Pick<Log, 'warn'>
}

/**
 * Starts `services` one at a time, in the record's order (so each part may
 * rely on the ones before it running). If one fails to start, or `signal`
 * aborts in between, those already started are stopped in reverse and the
 * failure is thrown: a process never keeps half its parts.
 *
 * @example
 * ```ts
 * const running = await startServices({ node, chats, api }, { signal })
 * // ...on SIGTERM:
 * await running.stop() // api, then chats, then node
 * ```
 */
export async function startServices (services: Readonly<Record<string, Startable>>, options: StartServicesOptions = {}): Promise<RunningServices> {
  const started: Array<[string, Startable]> = []
  for (const entry of Object.entries(services)) {
    try {
      options.signal?.throwIfAborted()
      await entry[1].start()
    } catch (err) {
      // The part that failed may have half started; only the ones before it are known to run.
      await stopAll(started).catch((stopError: unknown) => { options.log?.warn(errorMessage(stopError)) })
      throw err
    }
    started.push(entry)
  }
  let stopping: Promise<void> | undefined
  return {
    stop: async () => {
      stopping ??= stopAll(started)
      return stopping
    }
  }
}

async function stopAll (started: ReadonlyArray<[string, Startable]>): Promise<void> {
  const failures: string[] = []
  for (const [name, service] of [...started].reverse()) {
    try {
      await service.stop()
    } catch (err) {
      failures.push(`${name}: ${errorMessage(err)}`)
    }
  }
  if (failures.length > 0) {
    throw new ServiceStopError(`could not stop ${failures.join('; ')}`)
  }
}
