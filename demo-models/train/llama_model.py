"""
A llama-architecture transformer in PyTorch, written so its weights are the
tensors llama.cpp's LLAMA arch reads, with no conversion:

- RMSNorm before attention and feed-forward, and before the head;
- rotary position embedding on adjacent pairs (x[2i], x[2i+1]), which is
  llama.cpp's rope type NORM for this arch, so Q and K need no permutation
  (HF checkpoints rotate halves instead, hence the permute in convert_hf_to_gguf);
- a SwiGLU feed-forward: down(silu(gate(x)) * up(x));
- no biases; the head shares the token embedding (a GGUF without an `output`
  tensor, which llama.cpp then reads from `token_embd`).

nn.Linear keeps weight[out][in] row-major, which is ggml's [in, out] with
`in` varying fastest, so every tensor is exported as is.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ModelConfig:
    vocab_size: int
    width: int
    layers: int
    heads: int
    feed_forward: int
    context_length: int
    rope_base: float = 10000.0
    norm_eps: float = 1e-5

    @property
    def head_width(self) -> int:
        return self.width // self.heads

    def to_dict(self) -> dict:
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, width: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(config: ModelConfig, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """cos/sin of angle pos * base^(-2i/d) for pair i, shaped [length, head_width / 2]."""
    pairs = torch.arange(0, config.head_width, 2, dtype=torch.float32) / config.head_width
    inverse_frequency = 1.0 / (config.rope_base ** pairs)
    angles = torch.outer(torch.arange(length, dtype=torch.float32), inverse_frequency)
    return angles.cos(), angles.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotates adjacent pairs of x [batch, heads, time, head_width]."""
    even, odd = x[..., 0::2], x[..., 1::2]
    rotated = torch.stack((even * cos - odd * sin, even * sin + odd * cos), dim=-1)
    return rotated.flatten(-2)


class Block(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        width = config.width
        self.attn_norm = RMSNorm(width, config.norm_eps)
        self.attn_q = nn.Linear(width, width, bias=False)
        self.attn_k = nn.Linear(width, width, bias=False)
        self.attn_v = nn.Linear(width, width, bias=False)
        self.attn_output = nn.Linear(width, width, bias=False)
        self.ffn_norm = RMSNorm(width, config.norm_eps)
        self.ffn_gate = nn.Linear(width, config.feed_forward, bias=False)
        self.ffn_up = nn.Linear(width, config.feed_forward, bias=False)
        self.ffn_down = nn.Linear(config.feed_forward, width, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, time, width = x.shape
        heads, head_width = self.config.heads, self.config.head_width
        h = self.attn_norm(x)
        split = lambda t: t.view(batch, time, heads, head_width).transpose(1, 2)
        q = apply_rope(split(self.attn_q(h)), cos, sin)
        k = apply_rope(split(self.attn_k(h)), cos, sin)
        v = split(self.attn_v(h))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(head_width)
        attention = scores.masked_fill(mask, float('-inf')).softmax(-1)
        x = x + self.attn_output((attention @ v).transpose(1, 2).reshape(batch, time, width))
        h = self.ffn_norm(x)
        return x + self.ffn_down(F.silu(self.ffn_gate(h)) * self.ffn_up(h))


class LlamaModel(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.token_embd = nn.Embedding(config.vocab_size, config.width)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.layers))
        self.output_norm = RMSNorm(config.width, config.norm_eps)
        cos, sin = rope_tables(config, config.context_length)
        self.register_buffer('rope_cos', cos, persistent=False)
        self.register_buffer('rope_sin', sin, persistent=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # GPT-2's initialisation: small normal weights, residual outputs scaled by depth.
        for name, parameter in self.named_parameters():
            if parameter.dim() == 2:
                std = 0.02 / math.sqrt(2 * self.config.layers) if name.endswith(('attn_output.weight', 'ffn_down.weight')) else 0.02
                nn.init.normal_(parameter, mean=0.0, std=std)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits [batch, time, vocab] for tokens [batch, time]."""
        time = tokens.shape[1]
        cos, sin = self.rope_cos[:time], self.rope_sin[:time]
        mask = torch.ones(time, time, dtype=torch.bool, device=tokens.device).triu(1)
        x = self.token_embd(tokens)
        for block in self.blocks:
            x = block(x, cos, sin, mask)
        return self.output_norm(x) @ self.token_embd.weight.t()

    def parameter_count(self) -> int:
        return sum(parameter.numel() for parameter in self.parameters())

    @torch.no_grad()
    def greedy(self, prompt: list[int], count: int, stop: set[int] = frozenset()) -> list[int]:
        """Greedy continuation (recomputes the whole window each step: fine for short checks)."""
        tokens = list(prompt)
        for _ in range(count):
            window = tokens[-self.config.context_length:]
            next_token = int(self(torch.tensor([window]))[0, -1].argmax())
            tokens.append(next_token)
            if next_token in stop:
                break
        return tokens[len(prompt):]
