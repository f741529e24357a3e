/**
 * Console output of the server processes: human lines on stdout, warnings and
 * errors on stderr, each on exactly one line so logs stay greppable and a
 * startup failure reads as one message.
 */
export interface Log {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export interface LogStreams {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
}

export function createLog (program: string, streams: LogStreams = process): Log {
  return {
    info: (message) => streams.stdout.write(`${oneLine(message)}\n`),
    warn: (message) => streams.stderr.write(`${program}: warning: ${oneLine(message)}\n`),
    error: (message) => streams.stderr.write(`${program}: error: ${oneLine(message)}\n`)
  }
}

/** The message of anything thrown, on one line. */
export function errorMessage (err: unknown): string {
  return oneLine(err instanceof Error ? err.message : String(err))
}

function oneLine (text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
