import { z } from 'zod'
import { ConfigError } from './errors.ts'

/** How one option reaches the process: a `--flag`, else an environment variable, else the schema's default. */
export interface OptionSpec {
  /** The flag without its dashes: `port` for `--port 8080` or `--port=8080`. */
  flag: string
  /** Environment variable read when the flag is absent (an empty value counts as absent). */
  env?: string
  /** One line for `--help`. */
  description: string
  /** The default as `--help` shows it, where the schema's parsed default is not a plain string or number. */
  defaultText?: string
}

export interface ParseOptionsInit<Schema extends z.ZodObject> {
  /** Program name shown in `--help`, e.g. `shoal-relay`. */
  program: string
  /** One sentence shown at the top of `--help`. */
  summary: string
  /** Where each field of `schema` comes from. */
  options: { [Key in keyof z.input<Schema>]-?: OptionSpec }
  /** Validates the raw strings and gives them their types and defaults. */
  schema: Schema
  /**
   * Command-line arguments, without `node` and the script.
   *
   * @default process.argv.slice(2)
   */
  argv?: readonly string[]
  /**
   * Environment variables.
   *
   * @default process.env
   */
  env?: Readonly<Record<string, string | undefined>>
}

export type ParsedOptions<Options> =
  | { help: true, usage: string }
  | { help: false, options: Options }

/**
 * Reads options from argv and the environment, flags winning over variables,
 * and validates them with `schema`.
 *
 * @throws {ConfigError} on an unknown flag, a flag without a value, or a value the schema rejects
 */
export function parseOptions<Schema extends z.ZodObject> (init: ParseOptionsInit<Schema>): ParsedOptions<z.output<Schema>> {
  const argv = init.argv ?? process.argv.slice(2)
  const env = init.env ?? process.env
  const specs: Array<[string, OptionSpec]> = Object.entries<OptionSpec>(init.options)
  const keyByFlag = new Map(specs.map(([key, spec]) => [spec.flag, key]))

  const fromArgv = new Map<string, string>()
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? ''
    if (argument === '--help' || argument === '-h') {
      return { help: true, usage: usage(init) }
    }
    const match = /^--([^=]+)(?:=(.*))?$/s.exec(argument)
    if (match == null) {
      throw new ConfigError(`unexpected argument "${argument}" (see --help)`)
    }
    const flag = match[1] ?? ''
    const key = keyByFlag.get(flag)
    if (key == null) {
      throw new ConfigError(`unknown option --${flag} (see --help)`)
    }
    let value = match[2]
    if (value == null) {
      value = argv[index + 1]
      if (value == null || value.startsWith('--')) {
        throw new ConfigError(`option --${flag} needs a value`)
      }
      index++
    }
    fromArgv.set(key, value)
  }

  const raw: Record<string, string | undefined> = {}
  const sourceByKey = new Map<string, string>()
  for (const [key, spec] of specs) {
    const flagValue = fromArgv.get(key)
    const envValue = spec.env == null ? undefined : env[spec.env]
    if (flagValue != null) {
      raw[key] = flagValue
      sourceByKey.set(key, `--${spec.flag}`)
    } else if (envValue != null && envValue !== '') {
      raw[key] = envValue
      sourceByKey.set(key, spec.env ?? key)
    }
  }

  const result = init.schema.safeParse(raw)
  if (!result.success) {
    const issue = result.error.issues[0]
    const key = String(issue?.path[0] ?? '')
    const source = sourceByKey.get(key) ?? `--${init.options[key]?.flag ?? key}`
    const value = raw[key]
    throw new ConfigError(`invalid ${source}${value == null ? '' : ` "${value}"`}: ${issue?.message ?? 'invalid value'}`)
  }
  return { help: false, options: result.data }
}

function usage<Schema extends z.ZodObject> (init: ParseOptionsInit<Schema>): string {
  const shape: Record<string, z.ZodType> = init.schema.shape
  const lines = Object.entries<OptionSpec>(init.options).map(([key, spec]) => {
    // Parsing "absent" yields the default, so help never disagrees with the schema.
    const fallback = shape[key]?.safeParse(undefined)
    const plain = fallback?.success === true && (typeof fallback.data === 'string' || typeof fallback.data === 'number') ? String(fallback.data) : undefined
    const shown = spec.defaultText ?? plain
    const defaultText = shown == null ? '' : ` (default: ${shown})`
    const envText = spec.env == null ? '' : ` [env ${spec.env}]`
    return `  --${spec.flag} <value>\n      ${spec.description}${defaultText}${envText}`
  })
  return `${init.program}: ${init.summary}\n\nUsage: ${init.program} [options]\n\nOptions:\n${lines.join('\n')}\n  --help\n      Print this help and exit.\n`
}

/** A TCP port, 0 meaning "any free port". */
export function portSchema (): z.ZodType<number, string> {
  return integerSchema({ min: 0, max: 65535 })
}

/** An integer written in decimal, within `min`..`max`. */
export function integerSchema ({ min, max }: { min: number, max: number }): z.ZodType<number, string> {
  const message = `must be an integer from ${min} to ${max}`
  return z.string()
    .trim()
    .regex(/^\d+$/, message)
    .transform(Number)
    .refine((value) => value >= min && value <= max, message)
}

/** A host name or IP address to bind a server to. */
export function hostSchema (): z.ZodType<string, string> {
  return z.string().trim().min(1, 'must not be empty').regex(/^[\w.:-]+$/, 'must be a host name or IP address')
}
