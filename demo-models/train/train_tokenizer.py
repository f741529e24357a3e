"""
Trains a GPT-2 style byte-level BPE tokenizer on the corpus, for GGUF's
`tokenizer.ggml.model = "gpt2"` with `tokenizer.ggml.pre = "default"`.

Tokens are written in GPT-2's byte-level alphabet (a space is `Ġ`, a newline
`Ċ`): first the 256 single bytes, in byte order (id = byte value, so any
text encodes), then one token per merge, in merge order. The special tokens
(`<|endoftext|>`, `<|im_start|>`, `<|im_end|>`) are appended by the GGUF
writer, as in the project's demo tokenizer.

llama.cpp splits text before BPE with its "default" pre-tokenizer: runs of
punctuation first, then GPT-2's pattern (words with their leading space,
numbers, other symbols, whitespace). The split here imitates it for ASCII
text; the training corpus itself is tokenized by llama.cpp (see
tokenize-corpus.ts), so a small difference would cost only a little
compression, never a mismatch between training and inference.

Usage: train_tokenizer.py CORPUS.jsonl OUT.json VOCAB_SIZE
"""
import collections
import json
import re
import sys

SPECIAL_TOKENS = 3
CHAT_ROLES = ['system', 'user', 'assistant']

# llama.cpp's default BPE pre-tokenizer, for ASCII: `[\p{P}\$\+<=>\^~\|]+` (all ASCII punctuation and
# symbols but the backtick), then `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`.
PUNCTUATION_RUN = re.compile(r"[!-/:-@\[-_{-~]+")
GPT2_PIECE = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s")


def byte_to_character() -> list[str]:
    """GPT-2's reversible map from bytes to printable characters (BYTE_TO_CHARACTER in demo-tokenizer.ts)."""
    printable = list(range(0x21, 0x7f)) + list(range(0xa1, 0xad)) + list(range(0xae, 0x100))
    characters, extra = [], 0
    for byte in range(256):
        if byte in printable:
            characters.append(chr(byte))
        else:
            characters.append(chr(256 + extra))
            extra += 1
    return characters


BYTE_CHARACTERS = byte_to_character()


def to_byte_level(text: str) -> str:
    return ''.join(BYTE_CHARACTERS[byte] for byte in text.encode('utf-8'))


def pre_tokenize(text: str) -> list[str]:
    pieces = []
    position = 0
    for match in PUNCTUATION_RUN.finditer(text):
        pieces += GPT2_PIECE.findall(text[position:match.start()])
        pieces.append(match.group())
        position = match.end()
    pieces += GPT2_PIECE.findall(text[position:])
    return pieces


def corpus_texts(path: str):
    with open(path, encoding='utf-8') as lines:
        for line in lines:
            record = json.loads(line)
            if 'story' in record:
                yield record['story']
            else:
                for message in record['messages']:
                    yield message['content']


def train(words: collections.Counter, merges_wanted: int) -> list[tuple[str, str]]:
    """Classic BPE: repeatedly merge the most frequent adjacent pair (ties: the pair seen first)."""
    vocabulary = [(list(word), count) for word, count in words.items()]
    merges = []
    for _ in range(merges_wanted):
        pairs = collections.Counter()
        for symbols, count in vocabulary:
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] += count
        if not pairs:
            break
        best, best_count = max(pairs.items(), key=lambda item: item[1])
        if best_count < 2:
            break
        merges.append(best)
        joined = best[0] + best[1]
        for symbols, _ in vocabulary:
            index = 0
            while index < len(symbols) - 1:
                if symbols[index] == best[0] and symbols[index + 1] == best[1]:
                    symbols[index:index + 2] = [joined]
                index += 1
    return merges


def main(corpus: str, out: str, vocab_size: int) -> None:
    words = collections.Counter()
    texts = 0
    for text in corpus_texts(corpus):
        words.update(to_byte_level(piece) for piece in pre_tokenize(text))
        texts += 1
    # The chat template's own words, as llama.cpp meets them: "user\n" after <|im_start|>, once per text is plenty.
    for role in CHAT_ROLES:
        words[to_byte_level(role)] += texts
    merges = train(words, vocab_size - len(BYTE_CHARACTERS) - SPECIAL_TOKENS)
    # Two merges can make the same string ("Ġth e", "Ġ the"): it is one token.
    tokens = list(dict.fromkeys(BYTE_CHARACTERS + [left + right for left, right in merges]))
    with open(out, 'w', encoding='utf-8') as file:
        json.dump({'tokens': tokens, 'merges': [f'{left} {right}' for left, right in merges]}, file, ensure_ascii=False)
    print(f'tokenizer: {len(tokens)} tokens ({len(merges)} merges) from {len(words)} distinct pieces')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
