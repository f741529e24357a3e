import { expect, test } from '@playwright/test'
import { ToolCallReader } from './tool-call-syntax.ts'
import type { ToolCallPart, ToolCallSyntax } from './tool-call-syntax.ts'

/** node-llama-cpp's default call syntax (ChatML and the general wrappers): one call per answer. */
const DEFAULT: ToolCallSyntax = { start: '||call: ', startToken: '|', prefix: '||call: ', optionalPrefixSpace: true, paramsPrefix: '(', suffix: ')' }
/** Qwen 3's: the name inside JSON, and a parallel form (its section suffix is the end of the turn). */
const QWEN: ToolCallSyntax = { start: '\n<tool_call>\n{"name": "', startToken: '\n', prefix: '\n<tool_call>\n{"name": "', optionalPrefixSpace: true, paramsPrefix: '", "arguments": ', suffix: '}\n</tool_call>', parallel: { betweenCalls: '', sectionSuffix: '' } }

function readInPieces (syntax: ToolCallSyntax, section: string, size: number): { reader: ToolCallReader, parts: ToolCallPart[] } {
  const reader = new ToolCallReader(syntax, ['get', 'get_time'])
  const parts: ToolCallPart[] = []
  for (let index = 0; index < section.length; index += size) {
    parts.push(...reader.push(section.slice(index, index + size)))
  }
  return { reader, parts }
}

test('a call is read as it comes: its name when whole, then its arguments in pieces, never the suffix', () => {
  for (const size of [1, 3, 100]) {
    const { reader, parts } = readInPieces(DEFAULT, '||call: get_time({"zone": "a)b"})', size)
    expect(reader.complete).toBe(true)
    expect(reader.calls).toEqual([{ name: 'get_time', arguments: '{"zone": "a)b"}' }])
    expect(parts[0]).toEqual({ index: 0, name: 'get_time', arguments: '' })
    expect(parts.slice(1).map((part) => part.arguments).join('')).toBe('{"zone": "a)b"}')
  }
})

test('a parallel form gives several calls, each with its index', () => {
  const section = '\n<tool_call>\n{"name": "get", "arguments": {"a": 1}}\n</tool_call>\n<tool_call>\n{"name": "get_time", "arguments": {}}\n</tool_call>'
  const { reader, parts } = readInPieces(QWEN, section, 2)
  expect(reader.calls).toEqual([{ name: 'get', arguments: '{"a": 1}' }, { name: 'get_time', arguments: '{}' }])
  expect(parts.filter((part) => part.name !== undefined).map((part) => [part.index, part.name])).toEqual([[0, 'get'], [1, 'get_time']])
  expect(parts.filter((part) => part.index === 1).map((part) => part.arguments).join('')).toBe('{}')
})

test('a section cut short is not complete', () => {
  const { reader } = readInPieces(DEFAULT, '||call: get_time({"zone": "U', 4)
  expect(reader.complete).toBe(false)
  expect(reader.calls).toEqual([])
})
