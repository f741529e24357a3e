"""
Writes the trained models' tensors for the GGUF writer (export-gguf.ts):
for each model a folder with one raw little-endian float32 file per tensor
and a manifest (config, tensor names in llama.cpp's naming, ggml
dimensions). Also writes each model's greedy answers to the fixed prompts
(tokenized by llama.cpp in prompts.json), which verify-gguf.ts compares with
llama.cpp's greedy answers from the GGUF files.

Usage: export_weights.py CACHE_DIR
"""
import json
import os
import sys

import torch

from llama_model import LlamaModel, ModelConfig

REFERENCE_TOKENS = 32


def gguf_name(name: str) -> str:
    """`blocks.3.attn_q.weight` → `blk.3.attn_q.weight`; the other names are llama.cpp's already."""
    return 'blk.' + name[len('blocks.'):] if name.startswith('blocks.') else name


def export(cache_dir: str, role: str, prompts: dict) -> None:
    saved = torch.load(f'{cache_dir}/{role}.pt')
    model = LlamaModel(ModelConfig(**saved['config']))
    model.load_state_dict(saved['model'])
    model.eval()
    folder = f'{cache_dir}/export/{role}'
    os.makedirs(folder, exist_ok=True)
    tensors = []
    for name, value in model.state_dict().items():
        if name.startswith('rope_'):
            continue
        values = value.detach().to(torch.float32).contiguous()
        file = gguf_name(name) + '.f32'
        values.numpy().astype('<f4').tofile(f'{folder}/{file}')
        # torch is row-major [out, in]: ggml lists the fastest-varying dimension first.
        tensors.append({'name': gguf_name(name), 'dimensions': list(reversed(values.shape)), 'file': file})
    stop = set(prompts['endOfGeneration'])
    greedy = {group: [model.greedy(prompt, REFERENCE_TOKENS, stop) for prompt in prompts[group]]
              for group in ('everyday', 'agreement')}
    json.dump({'config': saved['config'], 'parameters': model.parameter_count(), 'tensors': tensors, 'greedy': greedy},
              open(f'{folder}/manifest.json', 'w'), indent=1)
    print(f'{role}: {len(tensors)} tensors, {model.parameter_count():,} parameters')


def main(cache_dir: str) -> None:
    torch.set_num_threads(2)
    prompts = json.load(open(f'{cache_dir}/prompts.json'))
    for role in ('target', 'draft'):
        export(cache_dir, role, prompts)


if __name__ == '__main__':
    main(sys.argv[1])
