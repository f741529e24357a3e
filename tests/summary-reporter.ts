import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter'

/**
 * Prints one closing line, "Tests: N passed, N failed, N skipped", that CI
 * and people can read at a glance. Retried tests count once, by their final
 * outcome; a test that passed only on retry counts as passed but is listed.
 */
export default class SummaryReporter implements Reporter {
  readonly #outcomes = new Map<TestCase, TestResult['status']>()
  readonly #flaky: string[] = []

  onTestEnd (test: TestCase, result: TestResult): void {
    this.#outcomes.set(test, result.status)
    if (result.status === 'passed' && result.retry > 0) {
      this.#flaky.push(test.titlePath().filter(Boolean).join(' › '))
    }
  }

  onEnd (result: FullResult): void {
    let passed = 0
    let failed = 0
    let skipped = 0
    for (const status of this.#outcomes.values()) {
      if (status === 'passed') passed++
      else if (status === 'skipped') skipped++
      else failed++
    }
    for (const title of this.#flaky) {
      console.log(`flaky (passed on retry): ${title}`)
    }
    if (result.status !== 'passed' && failed === 0) {
      failed = 1
      console.log(`run ended with status ${result.status}`)
    }
    console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
  }
}
