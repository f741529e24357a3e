import { expect, test } from '@playwright/test'
import { ForcedCallStream } from './forced-call-stream.ts'

test('a forced call streams its name, then its arguments in pieces that add up to them, the closing brace left out', () => {
  const answer = '{ "name": "get_weather", "arguments": {"city": "Oslo", "nested": {"a": {}}} }'
  for (const size of [1, 4, 200]) {
    const stream = new ForcedCallStream()
    const parts = []
    for (let index = 0; index < answer.length; index += size) {
      parts.push(...stream.push(answer.slice(index, index + size)))
    }
    parts.push(...stream.finish())
    expect(parts[0]).toEqual({ index: 0, name: 'get_weather', arguments: '' })
    expect(parts.slice(1).map((part) => part.arguments).join('')).toBe('{"city": "Oslo", "nested": {"a": {}}}')
    expect(stream.arguments).toBe('{"city": "Oslo", "nested": {"a": {}}}')
  }
})

test('nothing is streamed before the name is whole', () => {
  const stream = new ForcedCallStream()
  expect(stream.push('{\n    "name": "get_')).toEqual([])
  expect(stream.name).toBeUndefined()
  expect(stream.finish()).toEqual([])
})
