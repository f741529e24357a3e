"""
The training loop both models share: AdamW with warm-up and cosine decay,
a loss curve logged every few steps, validation now and then, and a
checkpoint (model, optimizer, log) written atomically every few steps, so
an interrupted run resumes where it stopped with the same result.
"""
import json
import math
import os
import time
from dataclasses import dataclass
from typing import Callable

import torch


@dataclass
class Schedule:
    steps: int
    batch_size: int
    learning_rate: float
    warmup_steps: int
    seed: int
    weight_decay: float = 0.1
    log_every: int = 10
    validate_every: int = 100
    checkpoint_every: int = 50

    def learning_rate_at(self, step: int) -> float:
        if step < self.warmup_steps:
            return self.learning_rate * (step + 1) / self.warmup_steps
        progress = (step - self.warmup_steps) / max(1, self.steps - self.warmup_steps)
        return self.learning_rate * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def save_atomically(state: dict, path: str) -> None:
    temporary = f'{path}.tmp'
    torch.save(state, temporary)
    os.replace(temporary, path)


def train(name: str, model: torch.nn.Module, schedule: Schedule, checkpoint_path: str,
          next_batch: Callable[[int], torch.Tensor], loss_of: Callable[[torch.Tensor], torch.Tensor],
          validate: Callable[[], dict]) -> dict:
    """Runs (or resumes) training; returns the log: curve, validations, seconds, settings."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{'params': decay, 'weight_decay': schedule.weight_decay},
                                   {'params': no_decay, 'weight_decay': 0.0}],
                                  lr=schedule.learning_rate, betas=(0.9, 0.95))
    log = {'name': name, 'schedule': schedule.__dict__, 'curve': [], 'validation': [], 'seconds': 0.0, 'step': 0}
    if os.path.exists(checkpoint_path):
        state = torch.load(checkpoint_path)
        model.load_state_dict(state['model'])
        optimizer.load_state_dict(state['optimizer'])
        log = state['log']
        print(f'{name}: resuming at step {log["step"]}', flush=True)
    running, started = [], time.time() - log['seconds']
    for step in range(log['step'], schedule.steps):
        for group in optimizer.param_groups:
            group['lr'] = schedule.learning_rate_at(step)
        model.train()
        loss = loss_of(next_batch(step))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        running.append(loss.item())
        done = step + 1
        log['step'], log['seconds'] = done, round(time.time() - started, 1)
        if done % schedule.log_every == 0:
            log['curve'].append({'step': done, 'loss': round(sum(running) / len(running), 4), 'seconds': log['seconds']})
            print(f'{name} step {done}/{schedule.steps} loss {log["curve"][-1]["loss"]:.3f} ({log["seconds"]:.0f} s)', flush=True)
            running = []
        if done % schedule.validate_every == 0 or done == schedule.steps:
            model.eval()
            with torch.no_grad():
                log['validation'].append({'step': done, **validate()})
            print(f'{name} validation {json.dumps(log["validation"][-1])}', flush=True)
        if done % schedule.checkpoint_every == 0 or done == schedule.steps:
            save_atomically({'model': model.state_dict(), 'optimizer': optimizer.state_dict(), 'log': log}, checkpoint_path)
    return log
