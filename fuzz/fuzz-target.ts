import type { Arbitrary } from 'fast-check'

/**
 * One reader of bytes (or text, or JSON) that come from outside: a peer, a
 * relay, a file a user picked, an HTTP client. It must either accept an input
 * or refuse it with one of its named errors; anything else (a TypeError, a
 * RangeError from a huge allocation, a hang) is a bug the fuzzer reports.
 */
export interface FuzzTarget<Input = unknown> {
  /** Short kebab-case name, used on the command line (`npm run fuzz -- --target <name>`). */
  name: string
  /** Which part of Shoal reads these inputs, for the report. */
  reads: string
  /** Inputs to try: valid seeds, their mutations, and noise. */
  inputs: Arbitrary<Input>
  /** Reads one input the way Shoal does; resolves when it is accepted. */
  read: (input: Input) => unknown
  /** Names of the errors (`err.name`) that are a proper refusal. */
  refusals: readonly string[]
  /** Started before the first input (e.g. a server), stopped after the last. */
  setUp?: () => Promise<void>
  tearDown?: () => Promise<void>
}

/** Keeps each target's input type while listing targets of different types together. */
export function fuzzTarget<Input> (target: FuzzTarget<Input>): FuzzTarget<unknown> {
  return target as FuzzTarget<unknown>
}
