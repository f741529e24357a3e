"""
The tokenized corpus (written by tokenize-corpus.ts) as training windows.

Every window starts at the start of a document, so position 0 is always
`<|endoftext|>` followed by a story or a chat, as it is at inference; a
window runs on into the next documents when one ends early. Batches are
drawn from a generator seeded by (seed, step), so a resumed run sees the
same batches as an uninterrupted one.
"""
import numpy as np
import torch


class TokenWindows:
    def __init__(self, cache_dir: str, split: str, window: int):
        self.tokens = torch.from_numpy(np.fromfile(f'{cache_dir}/tokens-{split}.u16', dtype='<u2').astype(np.int64))
        starts = np.fromfile(f'{cache_dir}/documents-{split}.u32', dtype='<u4').astype(np.int64)
        self.window = window
        # Windows need window + 1 tokens (inputs and the targets shifted by one).
        self.starts = torch.from_numpy(starts[starts + window + 1 <= len(self.tokens)])

    def batch(self, size: int, seed: int, step: int) -> torch.Tensor:
        """[size, window + 1] tokens for one training step."""
        generator = torch.Generator().manual_seed(seed * 1_000_003 + step)
        picks = self.starts[torch.randint(len(self.starts), (size,), generator=generator)]
        return torch.stack([self.tokens[start:start + self.window + 1] for start in picks.tolist()])

    def fixed_batches(self, count: int, size: int, seed: int) -> list[torch.Tensor]:
        """The same few batches every time: for validation losses that can be compared across runs."""
        return [self.batch(size, seed, step) for step in range(count)]
