import { BusyError, InvalidRequestError } from '../verifier/errors.ts'
import type { LlamaEmbeddingContext, LlamaModel, Token } from 'node-llama-cpp'
import type { EmbedOptions, Embedder, EmbeddingModelInfo, Embeddings } from './types.ts'

export interface LlamaEmbedderInit {
  /** The loaded model to embed with: the served one, or `--embedding-model`'s. */
  model: LlamaModel
  /** Name clients ask for it by. */
  name: string
  /** CPU threads for llama.cpp; always set it (its default oversubscribes small machines badly). */
  threads: number
  /** Tokens one input may hold. */
  contextSize: number
  /**
   * Requests that may wait while another is embedded; beyond that, BusyError.
   *
   * @default 32
   */
  queueSize?: number
  /**
   * Frees the model too on `dispose()`: true for a model loaded for
   * embeddings alone, false for the served one (the verifier frees it).
   *
   * @default false
   */
  ownsModel?: boolean
}

const DEFAULT_QUEUE_SIZE = 32

/**
 * Embeddings with node-llama-cpp's embedding context on a loaded model.
 * The context is created on the first request, not at start: a verifier
 * nobody asks for embeddings keeps its memory for chats. One input is
 * evaluated at a time (the context has one sequence); requests wait their
 * turn, at most `queueSize` of them.
 *
 * @example
 * ```ts
 * const embedder = createLlamaEmbedder({ model, name: 'shoal-demo', threads: 2, contextSize: 512 })
 * const { vectors } = await embedder.embed(['a cat', 'a dog'], {})
 * ```
 */
export function createLlamaEmbedder (init: LlamaEmbedderInit): Embedder {
  if (!Number.isInteger(init.threads) || init.threads < 1) {
    throw new RangeError(`threads must be a positive integer, not ${init.threads}`)
  }
  return new LlamaEmbedder(init)
}

class LlamaEmbedder implements Embedder {
  readonly model: EmbeddingModelInfo
  readonly #init: LlamaEmbedderInit
  readonly #queueSize: number
  #context: Promise<LlamaEmbeddingContext> | undefined
  #vocabularySize: number | undefined
  /** Requests being embedded or waiting to be. */
  #pending = 0
  #turn: Promise<void> = Promise.resolve()
  #disposed = false

  constructor (init: LlamaEmbedderInit) {
    this.#init = init
    this.#queueSize = init.queueSize ?? DEFAULT_QUEUE_SIZE
    this.model = { name: init.name, dimensions: init.model.embeddingVectorSize, contextLength: init.contextSize }
  }

  async embed (inputs: ReadonlyArray<string | readonly number[]>, options: EmbedOptions = {}): Promise<Embeddings> {
    if (this.#disposed) {
      throw new BusyError(5)
    }
    if (inputs.length === 0) {
      throw new InvalidRequestError('there is nothing to embed')
    }
    // Tokenize and check everything before waiting: a bad input is refused at once.
    const tokenized = inputs.map((input, index) => this.#tokens(input, index, options.truncate === true))
    // One is embedded while up to queueSize wait.
    if (this.#pending > this.#queueSize) {
      throw new BusyError(1)
    }
    this.#pending++
    const previous = this.#turn
    let release = (): void => {}
    this.#turn = new Promise((resolve) => { release = resolve })
    try {
      await previous
      const context = await this.#embeddingContext()
      const vectors: number[][] = []
      for (const tokens of tokenized) {
        options.signal?.throwIfAborted()
        const embedding = await context.getEmbeddingFor(tokens)
        vectors.push([...embedding.vector])
      }
      return { vectors, promptTokens: tokenized.reduce((sum, tokens) => sum + tokens.length, 0) }
    } finally {
      this.#pending--
      release()
    }
  }

  async dispose (): Promise<void> {
    this.#disposed = true
    const context = await this.#context?.catch(() => undefined)
    await context?.dispose()
    if (this.#init.ownsModel === true) {
      await this.#init.model.dispose()
    }
  }

  /** One input's tokens, checked: not empty, ids in the vocabulary, short enough (or cut, with `truncate`). */
  #tokens (input: string | readonly number[], index: number, truncate: boolean): Token[] {
    const { model } = this.#init
    let tokens: Token[]
    if (typeof input === 'string') {
      tokens = model.tokenize(input, false)
    } else {
      const vocabularySize = this.#vocabularySize ??= countTokens(model)
      const bad = input.findIndex((token) => !Number.isInteger(token) || token < 0 || token >= vocabularySize)
      if (bad >= 0) {
        throw new InvalidRequestError(`input ${index}: ${String(input[bad])} is not a token of this model (ids run from 0 to ${vocabularySize - 1})`)
      }
      // Checked against the vocabulary just above.
      tokens = [...input] as Token[]
    }
    if (tokens.length === 0) {
      throw new InvalidRequestError(`input ${index} is empty`)
    }
    // Room for the BOS and EOS tokens the embedding context may add.
    const room = this.model.contextLength - 2
    if (tokens.length > room) {
      if (!truncate) {
        throw new InvalidRequestError(`input ${index} is ${tokens.length} tokens; this embedding model takes at most ${room}`)
      }
      tokens = tokens.slice(0, room)
    }
    return tokens
  }

  async #embeddingContext (): Promise<LlamaEmbeddingContext> {
    this.#context ??= this.#init.model.createEmbeddingContext({
      contextSize: this.#init.contextSize,
      // A whole input in one batch: pooled embeddings need every token of it in the same batch.
      batchSize: this.#init.contextSize,
      threads: this.#init.threads
    })
    try {
      return await this.#context
    } catch (err) {
      // Let a later request try again (memory may have been freed since).
      this.#context = undefined
      throw err
    }
  }
}

function countTokens (model: LlamaModel): number {
  let count = 0
  for (const _token of model.iterateAllTokens()) {
    count++
  }
  return count
}
