import { join, resolve } from 'node:path'
import { expect, test } from '@playwright/test'
import { parseByteRange, resolveAppPath } from './static-files.ts'

const ROOT = resolve('/srv/shoal/build')

test('paths inside the app folder resolve to files in it', () => {
  expect(resolveAppPath(ROOT, '/')).toBe(ROOT)
  expect(resolveAppPath(ROOT, '/index.html')).toBe(join(ROOT, 'index.html'))
  expect(resolveAppPath(ROOT, '/_app/immutable/entry/start.js')).toBe(join(ROOT, '_app/immutable/entry/start.js'))
  expect(resolveAppPath(ROOT, '/some/deep/link')).toBe(join(ROOT, 'some/deep/link'))
})

test('traversal and odd bytes are refused', () => {
  for (const path of ['/../package.json', '/a/../../etc/passwd', '/..', '/a/..', '/..\\package.json', '/a\\b', '/index.html\0.png']) {
    expect(resolveAppPath(ROOT, path), path).toBeUndefined()
  }
})

test('a sibling folder sharing the prefix is outside', () => {
  // resolve('/srv/shoal/build', './../build-secrets') would pass a naive startsWith check.
  expect(resolveAppPath(ROOT, '/../build-secrets/key')).toBeUndefined()
})

test('byte ranges: one range is served, several or malformed ones get the whole file', () => {
  expect(parseByteRange(undefined, 100)).toBeUndefined()
  expect(parseByteRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 })
  expect(parseByteRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 })
  expect(parseByteRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 })
  expect(parseByteRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 })
  expect(parseByteRange('bytes=0-1,5-6', 100)).toBeUndefined()
  expect(parseByteRange('items=0-1', 100)).toBeUndefined()
  expect(parseByteRange('bytes=100-', 100)).toBe('unsatisfiable')
  expect(parseByteRange('bytes=9-3', 100)).toBe('unsatisfiable')
})
