import { expect, test } from '@playwright/test'
import { isModelListPath, mergeModelLists } from './model-lists.ts'

test('OpenAI model lists merge into one, a model run by two verifiers listed once', () => {
  const a = { object: 'list', data: [{ id: 'demo-a', object: 'model' }, { id: 'shared', object: 'model' }] }
  const b = { object: 'list', data: [{ id: 'shared', object: 'model' }, { id: 'demo-b', object: 'model' }] }
  expect(mergeModelLists('/v1/models', [a, b, { error: 'nope' }, null])).toEqual({ object: 'list', data: [{ id: 'demo-a', object: 'model' }, { id: 'shared', object: 'model' }, { id: 'demo-b', object: 'model' }] })
})

test('Ollama tags merge by name', () => {
  const a = { models: [{ name: 'demo-a', size: 1 }] }
  const b = { models: [{ name: 'demo-a', size: 1 }, { name: 'demo-b', size: 2 }, 'junk'] }
  expect(mergeModelLists('/api/tags', [a, b])).toEqual({ models: [{ name: 'demo-a', size: 1 }, { name: 'demo-b', size: 2 }] })
  expect(mergeModelLists('/api/tags', [])).toEqual({ models: [] })
})

test('only the two list paths are merged', () => {
  expect(isModelListPath('/v1/models')).toBe(true)
  expect(isModelListPath('/api/tags')).toBe(true)
  expect(isModelListPath('/v1/models/demo')).toBe(false)
  expect(isModelListPath('/api/ps')).toBe(false)
})
