/**
 * Tokenizes the corpus with llama.cpp itself (through node-llama-cpp), so the
 * models are trained on exactly the tokens they will see at inference: its
 * pre-tokenizer and BPE, and chats laid out by the same ChatML code the
 * verifier uses (gpu-node/src/verifier/chat-prompt.ts).
 *
 * - A story is `<|endoftext|>` + its text + `<|endoftext|>`.
 * - A chat is the verifier's prompt for it with the assistant's answer as a
 *   prefill (so `<|endoftext|><|im_start|>user\n…<|im_end|>\n<|im_start|>assistant\n`
 *   + answer), then `<|im_end|>`, the token that ends a greedy answer.
 *
 * Writes, into the cache folder, for each split: `tokens-SPLIT.u16` (all
 * tokens, little-endian uint16) and `documents-SPLIT.u32` (where each
 * document starts); `vocab.json` (the vocabulary size, special tokens
 * included) and `prompts.json` (the fixed check prompts as tokens, for the
 * torch side of the GGUF check).
 *
 * Usage: tsx tokenize-corpus.ts CACHE_DIR
 */
import { createReadStream } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { writeGgufFile } from '#gguf/writer'
import { AGREEMENT_PROMPTS, EVERYDAY_PROMPTS } from '../stories-prompts.ts'
import { chatPromptTokens, cpuLlama } from '../stories-eval.ts'
import { readTrainedTokenizer, storiesModelSpec, vocabularySize } from './stories-gguf.ts'
import type { LlamaModel, Token } from 'node-llama-cpp'
import type { GgufTensorSpec } from '#gguf/writer'
import type { ChatMessage } from '../../gpu-node/src/verifier/types.ts'

type CorpusRecord = { story: string } | { messages: ChatMessage[] }

/** A GGUF with the trained tokenizer and zero weights of the smallest shape: only its vocabulary is used. */
async function writeTokenizerModel (path: string, tokenizerPath: string): Promise<void> {
  const tokenizer = await readTrainedTokenizer(tokenizerPath)
  const config = { vocab_size: vocabularySize(tokenizer), width: 64, layers: 1, heads: 1, feed_forward: 64, context_length: 512, rope_base: 10000, norm_eps: 1e-5 }
  const zeros = (name: string, dimensions: number[]): GgufTensorSpec =>
    ({ name, dimensions, data: () => new Float32Array(dimensions.reduce((product, size) => product * size, 1)) })
  const tensors = [zeros('token_embd.weight', [64, config.vocab_size]), zeros('output_norm.weight', [64])]
  for (const name of ['attn_norm', 'ffn_norm']) tensors.push(zeros(`blk.0.${name}.weight`, [64]))
  for (const name of ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down']) tensors.push(zeros(`blk.0.${name}.weight`, [64, 64]))
  await writeGgufFile(path, storiesModelSpec({ name: 'shoal-stories-tokenizer', description: 'tokenizer only', config, tokenizer, tensors }))
}

function documentTokens (model: LlamaModel, record: CorpusRecord): Token[] {
  const endOfText = model.tokens.bos
  const endOfTurn = model.tokens.eot
  if (endOfText == null || endOfTurn == null) {
    throw new Error('the tokenizer has no <|endoftext|> or <|im_end|>')
  }
  if ('story' in record) {
    return [endOfText, ...model.tokenize(record.story), endOfText]
  }
  return [...chatPromptTokens(model, record.messages), endOfTurn]
}

async function tokenizeSplit (model: LlamaModel, cacheDir: string, split: string): Promise<void> {
  const tokens: number[] = []
  const starts: number[] = []
  const lines = createInterface({ input: createReadStream(join(cacheDir, `corpus-${split}.jsonl`)), crlfDelay: Infinity })
  for await (const line of lines) {
    if (line.trim() === '') continue
    starts.push(tokens.length)
    for (const token of documentTokens(model, JSON.parse(line) as CorpusRecord)) tokens.push(token)
  }
  if (tokens.some((token) => token > 0xffff)) {
    throw new Error('token ids do not fit 16 bits')
  }
  await writeFile(join(cacheDir, `tokens-${split}.u16`), new Uint16Array(tokens))
  await writeFile(join(cacheDir, `documents-${split}.u32`), new Uint32Array(starts))
  console.log(`${split}: ${starts.length} documents, ${tokens.length} tokens`)
}

async function main (cacheDir: string): Promise<void> {
  const modelPath = join(cacheDir, 'tokenizer.gguf')
  const tokenizerPath = join(cacheDir, 'tokenizer.json')
  await writeTokenizerModel(modelPath, tokenizerPath)
  await writeFile(join(cacheDir, 'vocab.json'), JSON.stringify({ vocab_size: vocabularySize(await readTrainedTokenizer(tokenizerPath)) }))
  const llama = await cpuLlama()
  const model = await llama.loadModel({ modelPath, vocabOnly: true })
  for (const split of ['train', 'valid']) {
    await tokenizeSplit(model, cacheDir, split)
  }
  const prompts = {
    everyday: EVERYDAY_PROMPTS.map((chat) => chatPromptTokens(model, chat)),
    agreement: AGREEMENT_PROMPTS.map((chat) => chatPromptTokens(model, chat)),
    endOfGeneration: [model.tokens.bos, model.tokens.eos, model.tokens.eot].filter((token) => token != null)
  }
  await writeFile(join(cacheDir, 'prompts.json'), JSON.stringify(prompts))
  await model.dispose()
}

await main(process.argv[2] ?? '.cache/demo-training')
