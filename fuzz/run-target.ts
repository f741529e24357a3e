import fc from 'fast-check'
import type { FuzzTarget } from './fuzz-target.ts'

export interface FuzzRunOptions {
  /** Inputs to try. */
  runs: number
  /** fast-check seed; the same seed tries the same inputs. */
  seed: number
  /**
   * One input costing more CPU time than this counts as a hang. CPU time, not
   * wall time: other processes on a shared machine do not make an input slow.
   *
   * @default 2000
   */
  maxCpuMsPerInput?: number
  /** One input not done after this much wall time counts as a hang (e.g. a promise that never settles). @default 60000 */
  maxWallMsPerInput?: number
  /** One input growing the heap and buffers by more than this counts as unbounded allocation. @default 64 MiB */
  maxBytesPerInput?: number
  /**
   * Stops trying new inputs after this much wall time, and reports those tried
   * (`interrupted`): for a long run that has to end by a given time.
   *
   * @default no limit
   */
  maxWallMs?: number
  /** Called every `progressEvery` inputs. */
  onProgress?: (done: number) => void
  progressEvery?: number
}

export interface FuzzRunResult {
  target: string
  runs: number
  seed: number
  accepted: number
  /** How many inputs each named error refused. */
  refused: Record<string, number>
  /** CPU time of the costliest input. */
  slowestCpuMs: number
  largestGrowthBytes: number
  elapsedMs: number
  /** Stopped by `maxWallMs` before `runs` inputs. */
  interrupted: boolean
  /** The smallest failing input fast-check found, and why it failed. */
  failure?: { input: string, problem: string, replayPath: string }
}

/** What a read did wrong: not a named refusal, too slow, or too much memory. */
class FuzzProblem extends Error {
  override readonly name = 'FuzzProblem'
}

function allocatedBytes (): number {
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

/** Runs `target` over `options.runs` inputs and reports what happened, shrinking any failure to a small input. */
export async function runFuzzTarget (target: FuzzTarget, options: FuzzRunOptions): Promise<FuzzRunResult> {
  const maxCpuMs = options.maxCpuMsPerInput ?? 2000
  const maxBytes = options.maxBytesPerInput ?? 64 * 1024 * 1024
  const result: FuzzRunResult = { target: target.name, runs: 0, seed: options.seed, accepted: 0, refused: {}, slowestCpuMs: 0, largestGrowthBytes: 0, elapsedMs: 0, interrupted: false }
  let shrinking = false
  const started = performance.now()
  await target.setUp?.()
  try {
    const property = fc.asyncProperty(target.inputs, async (input) => {
      const before = allocatedBytes()
      const cpuBefore = process.cpuUsage()
      let refusal: string | undefined
      try {
        await target.read(input)
      } catch (err) {
        const name = err instanceof Error ? err.name : typeof err
        if (!target.refusals.includes(name)) {
          shrinking = true
          throw new FuzzProblem(`threw ${name}, not a refusal (${target.refusals.join(', ')}): ${err instanceof Error ? err.message : String(err)}`, { cause: err })
        }
        refusal = name
      }
      const cpu = process.cpuUsage(cpuBefore)
      const cpuMs = (cpu.user + cpu.system) / 1000
      const growth = allocatedBytes() - before
      if (!shrinking) {
        result.runs++
        if (refusal === undefined) {
          result.accepted++
        } else {
          result.refused[refusal] = (result.refused[refusal] ?? 0) + 1
        }
        result.slowestCpuMs = Math.max(result.slowestCpuMs, cpuMs)
        result.largestGrowthBytes = Math.max(result.largestGrowthBytes, growth)
        if (options.onProgress != null && result.runs % (options.progressEvery ?? 10_000) === 0) {
          options.onProgress(result.runs)
        }
      }
      if (cpuMs > maxCpuMs) {
        shrinking = true
        throw new FuzzProblem(`one input took ${Math.round(cpuMs)} ms of CPU (more than ${maxCpuMs} ms: a hang)`)
      }
      if (growth > maxBytes) {
        shrinking = true
        throw new FuzzProblem(`one input grew memory by ${(growth / 2 ** 20).toFixed(0)} MiB (more than ${(maxBytes / 2 ** 20).toFixed(0)} MiB)`)
      }
    })
    // After the first failure (`shrinking`), fast-check tries smaller inputs; those are not counted as runs.
    const details = await fc.check(property, { numRuns: options.runs, seed: options.seed, timeout: options.maxWallMsPerInput ?? 60_000, ...(options.maxWallMs === undefined ? {} : { interruptAfterTimeLimit: options.maxWallMs }) })
    result.interrupted = details.interrupted && !details.failed
    if (details.failed) {
      const input = details.counterexample?.[0]
      result.failure = {
        input: describeInput(input),
        problem: details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance),
        replayPath: details.counterexamplePath ?? ''
      }
    }
  } finally {
    await target.tearDown?.()
  }
  result.elapsedMs = performance.now() - started
  return result
}

/** A failing input, short enough for a test title or a terminal: hex for bytes, JSON otherwise. */
export function describeInput (input: unknown): string {
  if (input instanceof Uint8Array) {
    const hex = Buffer.from(input.subarray(0, 256)).toString('hex')
    return `bytes(${input.length}) ${hex}${input.length > 256 ? '…' : ''}`
  }
  let text: string
  try {
    text = JSON.stringify(input) ?? String(input)
  } catch {
    text = String(input)
  }
  return text.length > 600 ? `${text.slice(0, 600)}… (${text.length} chars)` : text
}
