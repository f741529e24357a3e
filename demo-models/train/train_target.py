"""
Trains the target story model on the tokenized corpus (next-token cross
entropy). Resumable: rerun to continue from the last checkpoint.

Usage: train_target.py CACHE_DIR
"""
import json
import sys

import torch
import torch.nn.functional as F

from llama_model import LlamaModel, ModelConfig
from training_data import TokenWindows
from training_loop import Schedule, train

WINDOW = 256
SCHEDULE = Schedule(steps=700, batch_size=8, learning_rate=2e-3, warmup_steps=30, seed=19)


def target_config(vocab_size: int) -> ModelConfig:
    # 4 layers of 192 (3 heads of 64): ~2.2M parameters, 8.7 MB as F32 with the head tied to the embedding.
    return ModelConfig(vocab_size=vocab_size, width=192, layers=4, heads=3, feed_forward=512, context_length=512)


def next_token_loss(model: LlamaModel, batch: torch.Tensor) -> torch.Tensor:
    logits = model(batch[:, :-1])
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))


def main(cache_dir: str) -> None:
    torch.set_num_threads(2)
    torch.manual_seed(SCHEDULE.seed)
    vocab_size = json.load(open(f'{cache_dir}/vocab.json'))['vocab_size']
    model = LlamaModel(target_config(vocab_size))
    print(f'target: {model.parameter_count():,} parameters', flush=True)
    train_windows = TokenWindows(cache_dir, 'train', WINDOW)
    valid_batches = TokenWindows(cache_dir, 'valid', WINDOW).fixed_batches(8, 8, seed=7)
    log = train('target', model, SCHEDULE, f'{cache_dir}/target-checkpoint.pt',
                next_batch=lambda step: train_windows.batch(SCHEDULE.batch_size, SCHEDULE.seed, step),
                loss_of=lambda batch: next_token_loss(model, batch),
                validate=lambda: {'loss': round(sum(next_token_loss(model, b).item() for b in valid_batches) / len(valid_batches), 4)})
    log.update(parameters=model.parameter_count(), config=model.config.to_dict(), window=WINDOW,
               train_tokens=SCHEDULE.steps * SCHEDULE.batch_size * WINDOW)
    torch.save({'config': model.config.to_dict(), 'model': model.state_dict()}, f'{cache_dir}/target.pt')
    json.dump(log, open(f'{cache_dir}/target-log.json', 'w'), indent=1)


if __name__ == '__main__':
    main(sys.argv[1])
