import { expect, test } from '@playwright/test'
import { BoundedMap } from './bounded-map.ts'

test('holds at most its capacity, forgetting the entry touched longest ago', () => {
  const map = new BoundedMap<string, number>(2)
  map.set('a', 1).set('b', 2)
  expect(map.get('a')).toBe(1)
  map.set('c', 3)
  expect(map.size).toBe(2)
  expect(map.has('b')).toBe(false)
  expect(map.get('a')).toBe(1)
  expect(map.get('c')).toBe(3)
})

test('setting a key again replaces it without growing', () => {
  const map = new BoundedMap<string, number>(2)
  map.set('a', 1).set('a', 2)
  expect(map.size).toBe(1)
  expect(map.get('a')).toBe(2)
})

test('a capacity below 1 is refused', () => {
  expect(() => new BoundedMap(0)).toThrow(RangeError)
})
