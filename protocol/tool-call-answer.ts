import type { ChatTool, ToolChoice } from './chat-request-schema.ts'

/*
 * How a verifier answers a chat that must call a tool (`toolChoice`
 * `required`, or a tool's name): its answer text is one JSON object
 * `{"name": ..., "arguments": {...}}`, every token constrained by a grammar
 * of {@link toolCallAnswerSchema}, so its arguments always parse and fit the
 * tool's parameters. A client reads it back with {@link readToolCallAnswer}.
 */

/** Whether a chat's answer must be a tool call. */
export function mustCallTool (request: { tools?: readonly ChatTool[] | undefined, toolChoice?: ToolChoice | undefined }): boolean {
  return (request.tools?.length ?? 0) > 0 && (request.toolChoice === 'required' || typeof request.toolChoice === 'object')
}

/**
 * The JSON schema of a forced call's answer: a call of the named tool, or
 * of any one of the tools for `required`.
 */
export function toolCallAnswerSchema (tools: readonly ChatTool[], choice: ToolChoice): Record<string, unknown> {
  const callable = typeof choice === 'object' ? tools.filter((tool) => tool.name === choice.name) : tools
  const shapes = callable.map((tool) => ({
    type: 'object',
    properties: {
      name: { const: tool.name },
      // No parameters: any object (node-llama-cpp's grammars allow no other keys unless told).
      arguments: tool.parameters ?? { type: 'object', additionalProperties: true }
    },
    required: ['name', 'arguments']
  }))
  return shapes.length === 1 ? shapes[0] ?? {} : { oneOf: shapes }
}

/** A forced call read from its answer text, or undefined when the text is not one (an answer cut by its token limit). */
export function readToolCallAnswer (text: string): { name: string, arguments: string } | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || !('name' in value) || typeof value.name !== 'string' || !('arguments' in value)) {
    return undefined
  }
  return { name: value.name, arguments: JSON.stringify(value.arguments) }
}
