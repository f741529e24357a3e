/**
 * Errors of the Node server processes. Match them by `err.name`.
 */

/**
 * A command-line flag, environment variable or file the process was told to
 * use is missing or invalid. `runMain` prints its message as one line and
 * exits 1: the operator needs the message, not a stack trace.
 */
export class ConfigError extends Error {
  static readonly name = 'ConfigError'
  override readonly name = 'ConfigError'
}
