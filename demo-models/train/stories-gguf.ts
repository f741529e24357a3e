/**
 * The GGUF layout of the trained story models: llama metadata from the
 * training config, the BPE tokenizer the training trained (tokens and merges,
 * from train_tokenizer.py) with the special tokens appended, and the tensors.
 *
 * It follows the conventions of the project's demo models
 * (gpu-node/src/model/demo-models.ts): byte tokens are ids 0-255 and NORMAL,
 * `<|endoftext|>`, `<|im_start|>` and `<|im_end|>` come last as CONTROL
 * tokens, `<|endoftext|>` is BOS, EOS and padding, `<|im_end|>` the end of a
 * turn, no BOS is added by the tokenizer itself, and the chat template is
 * the same ChatML, so node-llama-cpp's ChatML wrapper and Shoal's wllama
 * prompt code (src/lib/inference/wllama-chat-prompt.ts) treat both alike.
 */
import { readFile } from 'node:fs/promises'
import { GgufValueType } from '#gguf'
import { DEMO_CHAT_TEMPLATE, END_OF_TEXT, IM_END, IM_START, TokenType } from '../../gpu-node/src/model/demo-tokenizer.ts'
import type { GgufValue } from '#gguf'
import type { GgufFileSpec, GgufTensorSpec } from '#gguf/writer'

/** What train_tokenizer.py writes. */
export interface TrainedTokenizer {
  /** Byte-level token strings: the 256 bytes, then one per merge. */
  tokens: string[]
  merges: string[]
}

/** The model's shape, as llama_model.py's ModelConfig writes it. */
export interface StoriesModelConfig {
  vocab_size: number
  width: number
  layers: number
  heads: number
  feed_forward: number
  context_length: number
  rope_base: number
  norm_eps: number
}

export const SPECIAL_TOKENS = [END_OF_TEXT, IM_START, IM_END] as const

export async function readTrainedTokenizer (path: string): Promise<TrainedTokenizer> {
  return JSON.parse(await readFile(path, 'utf8')) as TrainedTokenizer
}

/** Token count including the special tokens: the models' vocabulary size. */
export function vocabularySize (tokenizer: TrainedTokenizer): number {
  return tokenizer.tokens.length + SPECIAL_TOKENS.length
}

function tokenizerMetadata (tokenizer: TrainedTokenizer): Array<[string, GgufValue]> {
  const tokens = [...tokenizer.tokens, ...SPECIAL_TOKENS]
  const types = [...tokenizer.tokens.map(() => TokenType.NORMAL), ...SPECIAL_TOKENS.map(() => TokenType.CONTROL)]
  const endOfText = tokenizer.tokens.length
  const imEnd = endOfText + 2
  return [
    ['tokenizer.ggml.model', { type: GgufValueType.STRING, value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: GgufValueType.STRING, value: 'default' }],
    ['tokenizer.ggml.tokens', { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: tokens }],
    ['tokenizer.ggml.token_type', { type: GgufValueType.ARRAY, itemType: GgufValueType.INT32, value: types }],
    ['tokenizer.ggml.merges', { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: tokenizer.merges }],
    ['tokenizer.ggml.bos_token_id', { type: GgufValueType.UINT32, value: endOfText }],
    ['tokenizer.ggml.eos_token_id', { type: GgufValueType.UINT32, value: endOfText }],
    ['tokenizer.ggml.eot_token_id', { type: GgufValueType.UINT32, value: imEnd }],
    ['tokenizer.ggml.padding_token_id', { type: GgufValueType.UINT32, value: endOfText }],
    ['tokenizer.ggml.add_bos_token', { type: GgufValueType.BOOL, value: false }],
    ['tokenizer.chat_template', { type: GgufValueType.STRING, value: DEMO_CHAT_TEMPLATE }]
  ]
}

export interface StoriesModelFile {
  name: string
  description: string
  config: StoriesModelConfig
  tokenizer: TrainedTokenizer
  /**
   * ggml order. No `output.weight`: the head is tied to `token_embd`, which
   * llama.cpp then uses for both.
   */
  tensors: GgufTensorSpec[]
}

export function storiesModelSpec (file: StoriesModelFile): GgufFileSpec {
  const { config, tokenizer } = file
  if (config.vocab_size !== vocabularySize(tokenizer)) {
    throw new Error(`model ${file.name} has ${config.vocab_size} token embeddings, its tokenizer ${vocabularySize(tokenizer)} tokens`)
  }
  const metadata: Array<[string, GgufValue]> = [
    ['general.architecture', { type: GgufValueType.STRING, value: 'llama' }],
    ['general.name', { type: GgufValueType.STRING, value: file.name }],
    ['general.description', { type: GgufValueType.STRING, value: file.description }],
    ['general.license', { type: GgufValueType.STRING, value: 'MIT' }],
    ['general.file_type', { type: GgufValueType.UINT32, value: 0 }],
    ['llama.context_length', { type: GgufValueType.UINT32, value: config.context_length }],
    ['llama.embedding_length', { type: GgufValueType.UINT32, value: config.width }],
    ['llama.block_count', { type: GgufValueType.UINT32, value: config.layers }],
    ['llama.feed_forward_length', { type: GgufValueType.UINT32, value: config.feed_forward }],
    ['llama.attention.head_count', { type: GgufValueType.UINT32, value: config.heads }],
    ['llama.attention.head_count_kv', { type: GgufValueType.UINT32, value: config.heads }],
    ['llama.attention.layer_norm_rms_epsilon', { type: GgufValueType.FLOAT32, value: config.norm_eps }],
    ['llama.rope.dimension_count', { type: GgufValueType.UINT32, value: config.width / config.heads }],
    ['llama.rope.freq_base', { type: GgufValueType.FLOAT32, value: config.rope_base }],
    ['llama.vocab_size', { type: GgufValueType.UINT32, value: config.vocab_size }],
    ...tokenizerMetadata(tokenizer)
  ]
  return { metadata, tensors: file.tensors }
}
