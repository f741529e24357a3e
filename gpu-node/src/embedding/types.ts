/**
 * What the HTTP APIs ask of an embedder: vectors for texts (or token ids),
 * from the served model or from `--embedding-model`'s.
 */

export interface EmbeddingModelInfo {
  /** Name clients ask for it by. */
  name: string
  /** Length of every vector it returns. */
  dimensions: number
  /** Tokens one input may hold (the BOS and EOS tokens it may add included). */
  contextLength: number
}

export interface EmbedOptions {
  /**
   * Cut inputs longer than the context to fit (Ollama's `truncate`), instead
   * of refusing them.
   *
   * @default false
   */
  truncate?: boolean
  /** Stops between inputs once aborted (the client left). */
  signal?: AbortSignal
}

export interface Embeddings {
  /** One vector per input, in order, as the model computes it (not normalized). */
  vectors: number[][]
  /** Tokens embedded, over all inputs. */
  promptTokens: number
}

export interface Embedder {
  readonly model: EmbeddingModelInfo
  /**
   * Embeds each input in order.
   *
   * @throws {InvalidRequestError} at once for an empty input, a token id
   * outside the vocabulary, or an input over the context (unless `truncate`)
   * @throws {BusyError} when too many requests wait already
   */
  embed: (inputs: ReadonlyArray<string | readonly number[]>, options?: EmbedOptions) => Promise<Embeddings>
  dispose: () => Promise<void>
}
