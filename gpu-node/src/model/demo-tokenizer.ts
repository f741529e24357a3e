/**
 * The tokenizer every built-in demo model shares: GPT-2 style byte-level BPE
 * (`tokenizer.ggml.model = "gpt2"`). Its vocabulary is the 256 bytes, a few
 * hundred common English words and word pieces (with the merges that build
 * them, so prompts tokenize into words too), and the special tokens ChatML
 * needs. Any text round-trips; generated text is made of words.
 */

/** Token type ids of `tokenizer.ggml.token_type` (llama.cpp's `llama_token_type`). */
export enum TokenType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  USER_DEFINED = 4,
  UNUSED = 5,
  BYTE = 6
}

export const END_OF_TEXT = '<|endoftext|>'
export const IM_START = '<|im_start|>'
export const IM_END = '<|im_end|>'

/** ChatML, which node-llama-cpp recognises and formats with its ChatMLChatWrapper. */
export const DEMO_CHAT_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

const WORDS = `
the of and to in is was for that on as with by he it at from his an were are which this be or has
had first one their its new after but who not they have her she two been other when there all during
into school time may years more most only over city some world would where later up such used many can
state about national out known university united then made states also team while him under well year
i you we my your our what how why can will just like good very much make see day go come look want know
think give tell work call try ask need feel find long little way man woman people child life hand part
place case week company system program question government number night point home water room mother
area money story fact month lot right study book eye job word business issue side kind head house
service friend father power hour game line end member law car name president idea body level office
door health person art war history party result change morning reason research girl guy moment air
teacher force education light sea sun moon star river tree stone wind rain snow fire green blue red
white black small large old young great high low early late real best better last next same different
few own every each because before through between again never always often still here now today
said says say went gone done did does use using used shoal mesh browser model token draft verify
`.trim().split(/\s+/)

const PIECES = `
ing ed er es s ly tion ment ness able al ic ous ive est ful less ity ure age ance ence ist ism ize
re un in dis pre con com pro ex en th ch sh wh qu st tr pl gr br cr fr
`.trim().split(/\s+/)

const PUNCTUATION_WORDS = ['.', ',', '!', '?', ';', ':', "'s", "'t", '."', '.\n', '\n\n', ' -', ' (', ')', ' "', '"']

/** GPT-2's reversible map from bytes to printable characters (a space is `Ġ`, a newline `Ċ`). */
export const BYTE_TO_CHARACTER: readonly string[] = (() => {
  const printable: number[] = []
  for (let byte = 0x21; byte <= 0x7e; byte++) printable.push(byte)
  for (let byte = 0xa1; byte <= 0xac; byte++) printable.push(byte)
  for (let byte = 0xae; byte <= 0xff; byte++) printable.push(byte)
  const map: string[] = []
  let extra = 0
  for (let byte = 0; byte < 256; byte++) {
    map[byte] = printable.includes(byte) ? String.fromCharCode(byte) : String.fromCharCode(256 + extra++)
  }
  return map
})()

/** Text in the byte-level alphabet tokens are written in. */
export function toByteLevel (text: string): string {
  return Array.from(new TextEncoder().encode(text), (byte) => BYTE_TO_CHARACTER[byte] ?? '').join('')
}

export interface DemoTokenizer {
  tokens: string[]
  tokenTypes: TokenType[]
  merges: string[]
  /** What kind of token each id is, to shape the demo model's preferences. */
  kinds: Array<'byte' | 'word' | 'capitalized' | 'piece' | 'punctuation' | 'special'>
  endOfTextId: number
  imStartId: number
  imEndId: number
}

/** Builds the demo tokenizer. Deterministic: same result every call. */
export function buildDemoTokenizer (): DemoTokenizer {
  const tokens: string[] = []
  const tokenTypes: TokenType[] = []
  const kinds: DemoTokenizer['kinds'] = []
  const index = new Map<string, number>()
  const add = (token: string, type: TokenType, kind: DemoTokenizer['kinds'][number]): void => {
    const existing = index.get(token)
    if (existing != null) {
      // A prefix added while building a longer word may turn out to be a word itself.
      if (kind !== 'piece') {
        kinds[existing] = kind
      }
      return
    }
    index.set(token, tokens.length)
    tokens.push(token)
    tokenTypes.push(type)
    kinds.push(kind)
  }
  // Bytes first, in byte order: id = byte value.
  for (const character of BYTE_TO_CHARACTER) {
    add(character, TokenType.NORMAL, 'byte')
  }

  // Each word piece is built left to right, so every prefix is a token and each step a merge.
  const merges: string[] = []
  const mergeSet = new Set<string>()
  const addPieceChain = (byteLevel: string, kind: 'word' | 'capitalized' | 'piece' | 'punctuation'): void => {
    const characters = Array.from(byteLevel)
    if (characters.length === 1) {
      add(byteLevel, TokenType.NORMAL, kind)
      return
    }
    let current = characters[0] ?? ''
    for (const next of characters.slice(1)) {
      const merge = `${current} ${next}`
      if (!mergeSet.has(merge)) {
        mergeSet.add(merge)
        merges.push(merge)
      }
      current += next
      add(current, TokenType.NORMAL, current === byteLevel ? kind : 'piece')
    }
  }
  for (const word of WORDS) {
    addPieceChain(toByteLevel(` ${word}`), 'word')
    addPieceChain(toByteLevel(` ${word[0]?.toUpperCase() ?? ''}${word.slice(1)}`), 'capitalized')
  }
  for (const piece of PIECES) {
    addPieceChain(toByteLevel(piece), 'piece')
  }
  for (const punctuation of PUNCTUATION_WORDS) {
    addPieceChain(toByteLevel(punctuation), 'punctuation')
  }
  // Shorter merges first: BPE applies the lowest-ranked pair, and a word needs its prefixes first.
  const rankedMerges = merges
    .map((merge, order) => ({ merge, order, length: Array.from(merge).length }))
    .sort((left, right) => left.length - right.length || left.order - right.order)
    .map(({ merge }) => merge)

  add(END_OF_TEXT, TokenType.CONTROL, 'special')
  add(IM_START, TokenType.CONTROL, 'special')
  add(IM_END, TokenType.CONTROL, 'special')
  return {
    tokens,
    tokenTypes,
    merges: rankedMerges,
    kinds,
    endOfTextId: index.get(END_OF_TEXT) ?? -1,
    imStartId: index.get(IM_START) ?? -1,
    imEndId: index.get(IM_END) ?? -1
  }
}
