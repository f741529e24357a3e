import { LlamaGrammar, LlamaGrammarEvaluationState, LlamaJsonSchemaGrammar } from 'node-llama-cpp'
import { mustCallTool, toolCallAnswerSchema } from '#protocol'
import { InvalidRequestError } from './errors.ts'
import { autoToolCallGrammar } from './tool-call-grammar.ts'
import type { ToolCallSyntax } from './tool-call-syntax.ts'
import type { GbnfJsonSchema, Llama, LlamaModel, Token } from 'node-llama-cpp'
import type { CompletionRequest } from './types.ts'

/**
 * The grammar every token of an answer is constrained to, if any: a forced
 * tool call's (protocol/tool-call-answer.ts), else the response format's
 * (`json`: llama.cpp's JSON grammar; `json_schema`: node-llama-cpp's grammar
 * for the schema), else, with tools the model may call on its own, text or
 * the chat wrapper's calls (tool-call-grammar.ts). Built before the request
 * is queued, so a schema that cannot be one is refused at once.
 *
 * @throws {InvalidRequestError} when a schema cannot be made a grammar
 */
export function answerGrammar (llama: Llama, jsonGrammar: LlamaGrammar, request: CompletionRequest, toolSyntax: ToolCallSyntax | undefined): LlamaGrammar | undefined {
  if (mustCallTool(request) && request.tools !== undefined && request.toolChoice !== undefined) {
    return schemaGrammar(llama, toolCallAnswerSchema(request.tools, request.toolChoice), 'the tools\' parameters')
  }
  if (mayCallTools(request) && request.tools !== undefined && toolSyntax !== undefined) {
    try {
      return new LlamaGrammar(llama, { grammar: autoToolCallGrammar(llama, toolSyntax, withOneOfForAnyOf(request.tools) as typeof request.tools, request.parallelToolCalls ?? true) })
    } catch (err) {
      throw new InvalidRequestError(`the tools' parameters cannot be enforced: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  switch (request.responseFormat?.type) {
    case undefined:
      return undefined
    case 'json':
      return jsonGrammar
    case 'json_schema':
      return schemaGrammar(llama, request.responseFormat.schema, 'the response format\'s schema')
  }
}

/**
 * Whether the model decides for itself whether to call a tool: tools with
 * `toolChoice` `auto` (their default). A response format takes precedence:
 * the answer is then in that format, without calls.
 */
export function mayCallTools (request: Pick<CompletionRequest, 'tools' | 'toolChoice' | 'responseFormat'>): boolean {
  return (request.tools?.length ?? 0) > 0 && (request.toolChoice === undefined || request.toolChoice === 'auto') && request.responseFormat === undefined
}

function schemaGrammar (llama: Llama, schema: Record<string, unknown>, what: string): LlamaGrammar {
  try {
    // The synchronous form of `llama.createGrammarForJsonSchema` (which only wraps it in a promise).
    return new LlamaJsonSchemaGrammar<GbnfJsonSchema>(llama, withOneOfForAnyOf(schema) as GbnfJsonSchema)
  } catch (err) {
    throw new InvalidRequestError(`${what} cannot be enforced: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/**
 * `anyOf` as `oneOf`, all the way down: node-llama-cpp knows only `oneOf`,
 * and for generating a value the two are the same choice of alternatives
 * (clients' schema generators write `anyOf` for optional and union fields).
 */
function withOneOfForAnyOf (value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withOneOfForAnyOf)
  }
  if (typeof value !== 'object' || value === null) {
    return value
  }
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key === 'anyOf' ? 'oneOf' : key, withOneOfForAnyOf(inner)]))
}

/**
 * Where an answer stands in its grammar, and what that allows at each
 * position of the next pass. A pass evaluates `[last, ...drafts]`; the
 * verifier's own token at each position must be the grammar's choice given
 * the drafts before it, so each position samples with its own copy of the
 * state advanced through those drafts. A draft the grammar forbids can never
 * equal the verifier's token, so it and the drafts after it are not
 * evaluated at all: it is simply rejected.
 */
export class GrammarCursor {
  readonly #model: LlamaModel
  readonly #state: LlamaGrammarEvaluationState

  constructor (model: LlamaModel, grammar: LlamaGrammar) {
    this.#model = model
    this.#state = new LlamaGrammarEvaluationState({ model, grammar })
  }

  /**
   * The drafts worth evaluating (those the grammar allows, up to the first it
   * forbids or an end of generation), and one state per sampled position:
   * `states[i]` constrains the token after `drafts[0..i-1]`. Each state is
   * for one sampling, which consumes it.
   */
  plan (drafts: readonly Token[]): { drafts: Token[], states: LlamaGrammarEvaluationState[] } {
    const kept: Token[] = []
    const states = [this.#state.clone()]
    const walker = this.#state.clone()
    for (const draft of drafts) {
      // An end of generation ends the answer: the grammar takes no token after it, so none is drafted past it.
      if (this.#model.isEogToken(draft) || !walker.canBeNextToken(draft)) {
        break
      }
      walker.acceptToken(draft)
      kept.push(draft)
      states.push(walker.clone())
    }
    return { drafts: kept, states }
  }

  /** Moves past verified tokens (each one the grammar allowed; ends of generation are not grammar tokens). */
  advance (tokens: readonly Token[]): void {
    for (const token of tokens) {
      if (!this.#model.isEogToken(token)) {
        this.#state.acceptToken(token)
      }
    }
  }
}
