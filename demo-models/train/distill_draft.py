"""
Distils the draft from the trained target: the draft learns the target's
next-token distribution at every position of the corpus (KL divergence),
not the corpus itself, because what drafting needs is agreement with the
target. Validation reports the KL and the teacher-forced greedy agreement.
Resumable like the target's training.

Usage: distill_draft.py CACHE_DIR
"""
import json
import sys

import torch
import torch.nn.functional as F

from llama_model import LlamaModel, ModelConfig
from training_data import TokenWindows
from training_loop import Schedule, train

WINDOW = 256
SCHEDULE = Schedule(steps=500, batch_size=8, learning_rate=3e-3, warmup_steps=20, seed=23)


def draft_config(vocab_size: int) -> ModelConfig:
    # 2 layers of 128 (2 heads of 64): ~0.7M parameters, about a third of the target's work per token.
    return ModelConfig(vocab_size=vocab_size, width=128, layers=2, heads=2, feed_forward=384, context_length=512)


def distillation_loss(draft: LlamaModel, target: LlamaModel, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """KL(target || draft) per position, and the two models' greedy tokens."""
    inputs = batch[:, :-1]
    with torch.no_grad():
        teacher = target(inputs).log_softmax(-1)
    student = draft(inputs).log_softmax(-1)
    vocab = student.shape[-1]
    kl = F.kl_div(student.reshape(-1, vocab), teacher.reshape(-1, vocab), log_target=True, reduction='batchmean')
    return kl, student.argmax(-1), teacher.argmax(-1)


def main(cache_dir: str) -> None:
    torch.set_num_threads(2)
    torch.manual_seed(SCHEDULE.seed)
    saved = torch.load(f'{cache_dir}/target.pt')
    target = LlamaModel(ModelConfig(**saved['config']))
    target.load_state_dict(saved['model'])
    target.eval()
    for parameter in target.parameters():
        parameter.requires_grad_(False)
    draft = LlamaModel(draft_config(target.config.vocab_size))
    print(f'draft: {draft.parameter_count():,} parameters', flush=True)
    train_windows = TokenWindows(cache_dir, 'train', WINDOW)
    valid_batches = TokenWindows(cache_dir, 'valid', WINDOW).fixed_batches(8, 8, seed=7)

    def validate() -> dict:
        kl, agreed, total = 0.0, 0, 0
        for batch in valid_batches:
            loss, draft_tokens, target_tokens = distillation_loss(draft, target, batch)
            kl += loss.item()
            agreed += int((draft_tokens == target_tokens).sum())
            total += draft_tokens.numel()
        return {'kl': round(kl / len(valid_batches), 4), 'agreement': round(agreed / total, 4)}

    log = train('draft', draft, SCHEDULE, f'{cache_dir}/draft-checkpoint.pt',
                next_batch=lambda step: train_windows.batch(SCHEDULE.batch_size, SCHEDULE.seed, step),
                loss_of=lambda batch: distillation_loss(draft, target, batch)[0],
                validate=validate)
    log.update(parameters=draft.parameter_count(), config=draft.config.to_dict(), window=WINDOW,
               train_tokens=SCHEDULE.steps * SCHEDULE.batch_size * WINDOW)
    torch.save({'config': draft.config.to_dict(), 'model': draft.state_dict()}, f'{cache_dir}/draft.pt')
    json.dump(log, open(f'{cache_dir}/draft-log.json', 'w'), indent=1)


if __name__ == '__main__':
    main(sys.argv[1])
