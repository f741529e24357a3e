import fc from 'fast-check'
import type { Arbitrary } from 'fast-check'
import { textFrom } from './byte-inputs.ts'

/** Values that break JSON readers: wrong types, boundaries, sizes. */
const awkwardValue: Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, -0, 2 ** 53, -(2 ** 63), 1e308, '', ' ', '\u0000', '__proto__', [], {}),
  fc.constant('x'.repeat(100_000)),
  fc.constant(Array.from({ length: 10_000 }, () => 0)),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 })
)

type JsonEdit =
  | { kind: 'replace', path: number, value: unknown }
  | { kind: 'remove', path: number }
  | { kind: 'add', path: number, key: string, value: unknown }
  | { kind: 'wrap', path: number }

const jsonEdit: Arbitrary<JsonEdit> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), path: fc.nat(), value: awkwardValue }),
  fc.record({ kind: fc.constant('remove' as const), path: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), path: fc.nat(), key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'id', 'type')), value: awkwardValue }),
  fc.record({ kind: fc.constant('wrap' as const), path: fc.nat() })
)

/** Every place in a JSON value: the root, each key of each object, each item of each array. */
function places (value: unknown): Array<{ parent: Record<string, unknown> | unknown[] | undefined, key: string | number }> {
  const found: Array<{ parent: Record<string, unknown> | unknown[] | undefined, key: string | number }> = [{ parent: undefined, key: '' }]
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => { found.push({ parent: node, key: index }); visit(item) })
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) {
        found.push({ parent: node as Record<string, unknown>, key })
        visit(item)
      }
    }
  }
  visit(value)
  return found
}

/** Applies one edit in place. Edit values are copied: fast-check hands out the same constant objects to every input. */
function applyEdit (root: unknown, edit: JsonEdit): unknown {
  const all = places(root)
  const place = all[edit.path % all.length]
  if (place === undefined) {
    return root
  }
  const { parent, key } = place
  const current = parent === undefined ? root : (parent as Record<string | number, unknown>)[key]
  let next: unknown
  switch (edit.kind) {
    case 'replace': next = structuredClone(edit.value); break
    case 'wrap': next = [current]; break
    case 'add':
      if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
        Object.defineProperty(current, edit.key, { value: structuredClone(edit.value), enumerable: true, writable: true, configurable: true })
      }
      return root
    case 'remove':
      if (parent === undefined) {
        return undefined
      }
      if (Array.isArray(parent)) {
        parent.splice(key as number, 1)
      } else {
        Reflect.deleteProperty(parent, key)
      }
      return root
  }
  if (parent === undefined) {
    return next
  }
  (parent as Record<string | number, unknown>)[key] = next
  return root
}

/**
 * JSON values for a reader: copies of its valid `seeds` with one to four
 * structural edits (a field replaced by an awkward value, removed, added,
 * wrapped in an array), some seeds untouched, some arbitrary JSON.
 */
export function jsonFrom (seeds: readonly unknown[]): Arbitrary<unknown> {
  const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(jsonEdit, { minLength: 1, maxLength: 4 }))
    .map(([seed, edits]) => edits.reduce(applyEdit, structuredClone(seed)))
  return fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 1, arbitrary: fc.constantFrom(...seeds).map((seed) => structuredClone(seed)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) }
  )
}

/** JSON text for a reader of text: structural edits, serialised, sometimes then edited as bytes. */
export function jsonTextFrom (seeds: readonly unknown[]): Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: jsonFrom(seeds).map((value) => JSON.stringify(value) ?? 'undefined') },
    { weight: 1, arbitrary: textFrom(seeds.map((seed) => JSON.stringify(seed))) }
  )
}
