import { expect, test } from '@playwright/test'
import { z } from 'zod'
import { integerSchema, parseOptions, portSchema } from './config.ts'
import type { ParseOptionsInit } from './config.ts'

const Schema = z.object({
  port: portSchema().default(8080),
  name: z.string().default('shoal'),
  count: integerSchema({ min: 1, max: 10 }).default(2)
})

function parse (argv: string[], env: Record<string, string> = {}): z.output<typeof Schema> {
  const init: ParseOptionsInit<typeof Schema> = {
    program: 'shoal-test',
    summary: 'a test.',
    options: {
      port: { flag: 'port', env: 'TEST_PORT', description: 'Port.' },
      name: { flag: 'name', description: 'Name.' },
      count: { flag: 'count', env: 'TEST_COUNT', description: 'Count.' }
    },
    schema: Schema,
    argv,
    env
  }
  const parsed = parseOptions(init)
  if (parsed.help) {
    throw new Error('unexpected help')
  }
  return parsed.options
}

function configError (run: () => unknown): Error {
  try {
    run()
  } catch (err) {
    if (err instanceof Error && err.name === 'ConfigError') {
      return err
    }
    throw err
  }
  throw new Error('expected a ConfigError')
}

test('defaults apply when nothing is given', () => {
  expect(parse([])).toEqual({ port: 8080, name: 'shoal', count: 2 })
})

test('flags take `--flag value` and `--flag=value`', () => {
  expect(parse(['--port', '9000', '--name=relay'])).toEqual({ port: 9000, name: 'relay', count: 2 })
  expect(parse(['--name=a=b'])).toMatchObject({ name: 'a=b' })
})

test('environment variables fill in, flags win, empty variables count as unset', () => {
  expect(parse([], { TEST_PORT: '7000' }).port).toBe(7000)
  expect(parse(['--port', '7001'], { TEST_PORT: '7000' }).port).toBe(7001)
  expect(parse([], { TEST_PORT: '' }).port).toBe(8080)
})

test('port 0 (pick a free one) and 65535 are valid', () => {
  expect(parse(['--port', '0']).port).toBe(0)
  expect(parse(['--port', '65535']).port).toBe(65535)
})

test('bad ports are ConfigErrors that name the flag and the value', () => {
  for (const value of ['abc', '70000', '65536', '-1', '1.5', '', ' ']) {
    const err = configError(() => parse([`--port=${value}`]))
    expect(err.message).toContain('--port')
    expect(err.message).toContain('must be an integer from 0 to 65535')
  }
})

test('a bad environment variable is reported under its own name', () => {
  expect(configError(() => parse([], { TEST_PORT: 'http' })).message).toBe('invalid TEST_PORT "http": must be an integer from 0 to 65535')
})

test('integers outside their range are rejected', () => {
  expect(configError(() => parse(['--count', '0'])).message).toContain('must be an integer from 1 to 10')
  expect(configError(() => parse(['--count', '11'])).message).toContain('must be an integer from 1 to 10')
})

test('unknown flags, positional arguments and missing values are errors', () => {
  expect(configError(() => parse(['--nope', '1'])).message).toBe('unknown option --nope (see --help)')
  expect(configError(() => parse(['stray'])).message).toBe('unexpected argument "stray" (see --help)')
  expect(configError(() => parse(['--port'])).message).toBe('option --port needs a value')
  expect(configError(() => parse(['--port', '--name', 'x'])).message).toBe('option --port needs a value')
})

test('--help returns usage listing every flag, its variable and default', () => {
  for (const flag of ['--help', '-h']) {
    const parsed = parseOptions({
      program: 'shoal-test',
      summary: 'a test.',
      options: {
        port: { flag: 'port', env: 'TEST_PORT', description: 'Port.' },
        name: { flag: 'name', description: 'Name.' },
        count: { flag: 'count', description: 'Count.' }
      },
      schema: Schema,
      argv: ['--port', 'abc', flag],
      env: {}
    })
    expect(parsed.help).toBe(true)
    if (parsed.help) {
      expect(parsed.usage).toContain('Usage: shoal-test [options]')
      expect(parsed.usage).toContain('--port <value>')
      expect(parsed.usage).toContain('(default: 8080) [env TEST_PORT]')
      expect(parsed.usage).toContain('--count <value>')
    }
  }
})
