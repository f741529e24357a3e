"""
Writes the training corpus as JSON lines: {"story": text} for a plain story,
{"messages": [...]} for a chat sample. Seeded: the same seed writes the same
file. Beside it, OUT.json records how it was made.
Usage: build_corpus.py OUT.jsonl DOCUMENTS SEED
"""
import json
import random
import sys

from chat_samples import ChatSamples
from story_grammar import StoryGrammar

# About half the documents are chats, so the chat template is well learnt.
CHAT_SHARE = 0.45


def main(path: str, documents: int, seed: int) -> None:
    rng = random.Random(seed)
    stories = StoryGrammar(seed * 3 + 1)
    chats = ChatSamples(seed * 3 + 2)
    with open(path, 'w', encoding='utf-8') as out:
        for _ in range(documents):
            record = {'messages': chats.sample()} if rng.random() < CHAT_SHARE else {'story': stories.story().text()}
            out.write(json.dumps(record) + '\n')
    with open(path.removesuffix('.jsonl') + '.json', 'w', encoding='utf-8') as out:
        json.dump({'documents': documents, 'seed': seed, 'chat_share': CHAT_SHARE}, out)


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
