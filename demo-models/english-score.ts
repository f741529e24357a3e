/**
 * How much a text reads like English, by three crude shares of its words:
 *
 * - dictionary words (Debian's wamerican list, /usr/share/dict/american-english);
 * - common function words (the, and, was, ...);
 * - words in well-formed sentences: a capital letter first (after an opening
 *   quote, if any), `.`, `!` or `?` last (before a closing quote, if any), at
 *   most MAX_SENTENCE_WORDS words. A sentence ends at such a mark followed
 *   by a space and a capital letter or a quote, so `"Wow!" said Tom.` is one.
 *
 * The first two alone do not tell word salad from English when the salad is
 * made of English words: the project's random demo model, whose vocabulary
 * is common English words, scores ~97% and ~27% on them. Sentence form does.
 *
 * A "word" is a run of letters, with an apostrophe inside (`don't`, `Tom's`).
 */
import { readFile } from 'node:fs/promises'

// wamerican's own file: /usr/share/dict/words may point at another installed list.
export const DICTIONARY_PATH = '/usr/share/dict/american-english'

export const FUNCTION_WORDS: ReadonlySet<string> = new Set(`
a an the and or but so if then than that this these those there here
i me my we our you your he him his she her it its they them their
is are was were be been am do did does has had have will would can could not no
to of in on at by for with from up out into over under about after before
as what who when where why how all some very too also just
`.trim().split(/\s+/))

export interface EnglishScore {
  words: number
  /** Share of words that are in the dictionary (as written, or in lower case). */
  dictionaryShare: number
  /** Share of words that are common function words. */
  functionWordShare: number
  /** Share of words that are in well-formed sentences. */
  sentenceShare: number
}

export const MAX_SENTENCE_WORDS = 30

const dictionaries = new Map<string, Promise<ReadonlySet<string>>>()

/** The word list; throws a clear error when wamerican is not installed. */
export async function loadDictionary (path = DICTIONARY_PATH): Promise<ReadonlySet<string>> {
  let dictionary = dictionaries.get(path)
  if (dictionary == null) {
    dictionary = readFile(path, 'utf8').then(
      (text) => new Set(text.split('\n').filter((word) => word !== '')),
      (err: unknown) => {
        dictionaries.delete(path)
        throw new Error(`the English check needs the word list ${path} (Debian: apt-get install -y wamerican): ${err instanceof Error ? err.message : String(err)}`)
      })
    dictionaries.set(path, dictionary)
  }
  return dictionary
}

export function wordsOf (text: string): string[] {
  return text.match(/[A-Za-z]+(?:'[A-Za-z]+)?/g) ?? []
}

function isDictionaryWord (words: ReadonlySet<string>, word: string): boolean {
  if (words.has(word) || words.has(word.toLowerCase())) {
    return true
  }
  // The list has some possessives, not all: "Rocky's" counts when "Rocky" does.
  return word.endsWith("'s") && isDictionaryWord(words, word.slice(0, -2))
}

export function sentencesOf (text: string): string[] {
  return text.split(/(?<=[.!?]"?)\s+(?=["A-Z])|\n+/).map((sentence) => sentence.trim()).filter((sentence) => sentence !== '')
}

function isWellFormed (sentence: string): boolean {
  const count = wordsOf(sentence).length
  return /^"?[A-Z]/.test(sentence) && /[.!?]"?$/.test(sentence) && count >= 1 && count <= MAX_SENTENCE_WORDS
}

export function englishScore (text: string, words: ReadonlySet<string>): EnglishScore {
  const found = wordsOf(text)
  if (found.length === 0) {
    return { words: 0, dictionaryShare: 0, functionWordShare: 0, sentenceShare: 0 }
  }
  const inDictionary = found.filter((word) => isDictionaryWord(words, word)).length
  const functionWords = found.filter((word) => FUNCTION_WORDS.has(word.toLowerCase())).length
  const inSentences = sentencesOf(text).filter(isWellFormed).reduce((sum, sentence) => sum + wordsOf(sentence).length, 0)
  return {
    words: found.length,
    dictionaryShare: inDictionary / found.length,
    functionWordShare: functionWords / found.length,
    sentenceShare: inSentences / found.length
  }
}
