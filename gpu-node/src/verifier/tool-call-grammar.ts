import { LlamaJsonSchemaGrammar } from 'node-llama-cpp'
import { forTool } from './tool-call-syntax.ts'
import type { GbnfJsonSchema, Llama } from 'node-llama-cpp'
import type { ChatTool } from '#protocol'
import type { ToolCallSyntax } from './tool-call-syntax.ts'

/**
 * The GBNF grammar of an answer that may call tools on its own
 * (`tool_choice: "auto"`): text, then optionally the chat wrapper's call
 * section (tool-call-syntax.ts), whose every part is fixed: the prefix, a
 * name among the offered tools, arguments that fit that tool's parameters
 * (node-llama-cpp's JSON schema grammar), the suffix; then nothing but the
 * end of the answer. The section begins where the text spells the wrapper's
 * call start, or at once when the answer begins with the start's first
 * token: the model began the syntax, so the rest of it is held to it.
 *
 * Text that never spells the start is free: the grammar walks it character
 * by character with a Knuth-Morris-Pratt automaton of the start, so a token
 * that straddles the start's end is taken as llama.cpp's grammar sampler
 * takes any token, by its characters.
 */
export function autoToolCallGrammar (llama: Llama, syntax: ToolCallSyntax, tools: readonly ChatTool[], parallel: boolean): string {
  const start = Array.from(syntax.start)
  const committed = Array.from(syntax.startToken).length
  const rules: string[] = []
  const next = transitions(start)
  // `lead-i`: the answer so far is the start's first i characters; reaching the first token's length commits it.
  for (let state = 0; state < committed; state++) {
    rules.push(`lead-${state} ::= ${textState(start, next, state, state + 1 === committed ? `${literal(start.slice(committed).join(''))} calls` : `lead-${state + 1}`)}`)
  }
  // `text-i`: free text whose end matches the start's first i characters.
  for (let state = 0; state < start.length; state++) {
    rules.push(`text-${state} ::= ${textState(start, next, state, state + 1 === start.length ? 'calls' : `text-${state + 1}`)}`)
  }
  const between = syntax.parallel === undefined ? undefined : syntax.parallel.betweenCalls + syntax.prefix
  const sectionSuffix = syntax.parallel?.sectionSuffix ?? ''
  rules.push(`calls ::= call${parallel && between !== undefined ? ` (${literal(between)} call)*` : ''} ${literal(sectionSuffix)}`)
  rules.push(`call ::= ${syntax.optionalPrefixSpace ? '" "? ' : ''}(${tools.map((tool, index) => `call-${index}`).join(' | ')})`)
  for (const [index, tool] of tools.entries()) {
    const schema = (tool.parameters ?? { type: 'object', additionalProperties: true }) as GbnfJsonSchema
    const { root, others } = scopedRules(new LlamaJsonSchemaGrammar<GbnfJsonSchema>(llama, schema).grammar, `t${index}-`)
    rules.push(`call-${index} ::= ${literal(tool.name + forTool(syntax.paramsPrefix, tool.name))} (${root}) ${literal(forTool(syntax.suffix, tool.name))}`)
    rules.push(...others)
  }
  return [`root ::= lead-0`, ...rules].join('\n')
}

/**
 * One state of the start's automaton: the text may end here; the start's
 * next character leads to `onward`; any other character falls back to the
 * free-text state that the start's failure function gives.
 */
function textState (start: readonly string[], next: ReadonlyArray<Map<string, number>>, state: number, onward: string): string {
  const expected = start[state] ?? ''
  const fallbacks = [...next[state]?.entries() ?? []].filter(([character]) => character !== expected)
  const excluded = [expected, ...fallbacks.map(([character]) => character)]
  const alternatives = ['""', `${literal(expected)} ${onward}`, ...fallbacks.map(([character, target]) => `${literal(character)} text-${target}`), `[^${excluded.map(escaped).join('')}] text-0`]
  return alternatives.join(' | ')
}

/** For each state, the characters that lead to a state other than 0 (KMP over the start). */
function transitions (start: readonly string[]): Array<Map<string, number>> {
  const failure = [0]
  for (let index = 1, matched = 0; index < start.length; index++) {
    while (matched > 0 && start[index] !== start[matched]) matched = failure[matched - 1] ?? 0
    if (start[index] === start[matched]) matched++
    failure.push(matched)
  }
  return start.map((_, state) => {
    const targets = new Map<string, number>()
    for (const character of new Set(start)) {
      let matched = state
      while (matched > 0 && start[matched] !== character) matched = failure[matched - 1] ?? 0
      const target = start[matched] === character ? matched + 1 : 0
      if (target > 0) targets.set(character, target)
    }
    return targets
  })
}

/** Matches its text exactly. */
function literal (text: string): string {
  return `"${Array.from(text).map(escaped).join('')}"`
}

/** A character as a GBNF escape: safe in a literal and in a character class alike. */
function escaped (character: string): string {
  if (/^[a-zA-Z0-9 _]$/.test(character)) {
    return character
  }
  const code = character.codePointAt(0) ?? 0
  return code <= 0xFFFF ? `\\u${code.toString(16).padStart(4, '0')}` : `\\U${code.toString(16).padStart(8, '0')}`
}

/**
 * A node-llama-cpp JSON schema grammar's rules with their names given a
 * scope, so several live in one grammar: its root's body (without the
 * newlines node-llama-cpp lets a whole-answer JSON end with), and the other
 * rules. Names are renamed only outside literals, classes and repetition
 * counts.
 */
function scopedRules (grammar: string, scope: string): { root: string, others: string[] } {
  const lines = grammar.split('\n').filter((line) => line.trim() !== '')
  const names = new Set(lines.map((line) => line.slice(0, line.indexOf(' ::= '))))
  const rename = (body: string): string => body.replace(/"(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]|\{[^}]*\}|[a-zA-Z0-9-]+/g, (token) => names.has(token) ? scope + token : token)
  let root: string | undefined
  const others: string[] = []
  for (const line of lines) {
    const separator = line.indexOf(' ::= ')
    const name = line.slice(0, separator)
    const body = rename(line.slice(separator + ' ::= '.length))
    if (name === 'root') {
      root = body.replace(/\s*"(?:\\n)+"\s*\[\\n\]\*\s*$/, '')
    } else {
      others.push(`${scope}${name} ::= ${body}`)
    }
  }
  if (root === undefined) {
    throw new Error('node-llama-cpp gave a JSON schema grammar without a root rule')
  }
  return { root, others }
}
