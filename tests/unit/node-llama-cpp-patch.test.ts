import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { LlamaGrammarEvaluationState } from 'node-llama-cpp'

/*
 * patches/node-llama-cpp+3.22.1.patch, which constrained answers need at
 * every position of a pass (docs/architecture.md): if `npm install` ran
 * without patch-package, or node-llama-cpp moved on, this fails first.
 */

test('the node-llama-cpp patch is applied: grammar states per position, and their token checks', async () => {
  expect(typeof LlamaGrammarEvaluationState.prototype.canBeNextToken).toBe('function')
  expect(typeof LlamaGrammarEvaluationState.prototype.acceptToken).toBe('function')
  const packageDir = join(createRequire(import.meta.url).resolve('node-llama-cpp'), '..', '..')
  const context = await readFile(join(packageDir, 'dist', 'evaluator', 'LlamaContext', 'LlamaContext.js'), 'utf8')
  expect(context).toContain('grammarEvaluationState: sampleOptions.grammarEvaluationState')
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string }
  expect(version).toBe('3.22.1')
})
