"""The one training loop every role runs: `fit()`.

AdamW on CUDA when present (bf16 autocast, or fp16 with gradient scaling where bf16 is missing),
else the CPU; a shuffled pass over the training split per epoch (one seeded generator, so a seed
gives the same batches), validation after every epoch with the learning rate halved on a plateau,
early stopping, a time budget, tqdm progress, and the best epoch's weights kept in the model.

A role brings its model and a `StepLoss`: (model, batch of tensors) -> named losses, the first
the one optimised and the one that picks the best epoch.
"""

import copy
import logging
import math
import random
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm import tqdm

from training.config import Train

log = logging.getLogger(__name__)

StepLoss = Callable[[torch.nn.Module, dict[str, torch.Tensor]], tuple[torch.Tensor, ...]]
IMPROVEMENT = 1e-4     # a validation loss must fall by this much to count as better


def seed_everything(seed: int) -> None:
    """Fix Python's, numpy's and PyTorch's random generators."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@dataclass(frozen=True)
class Device:
    """Where training runs: the device, an autocast context factory and the fp16 gradient scaler."""
    device: torch.device
    autocast: Callable[[], AbstractContextManager]
    scaler: torch.amp.GradScaler | None = None


def device_setup() -> Device:
    if torch.cuda.is_available():
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return Device(torch.device("cuda"), lambda: torch.autocast("cuda", dtype=dtype),
                      torch.amp.GradScaler("cuda", enabled=dtype == torch.float16))
    return Device(torch.device("cpu"), nullcontext)


def optimise(model: torch.nn.Module, loss: torch.Tensor, opt: torch.optim.Optimizer,
             scaler: torch.amp.GradScaler | None, clip: float = 1.0) -> None:
    """One step: backward (scaled for fp16), gradient clipping, the optimiser's step."""
    opt.zero_grad(set_to_none=True)
    if scaler is not None:
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
    else:
        loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    if scaler is not None:
        scaler.step(opt)
        scaler.update()
    else:
        opt.step()


def to_tensors(arrays, device: torch.device) -> dict[str, torch.Tensor]:
    """A dataclass of numpy arrays (one row per sequence, `tgt` -1 where padded) as tensors."""
    return {k: torch.from_numpy(np.ascontiguousarray(v)).to(device) for k, v in arrays.__dict__.items()}


def _batch(t: dict[str, torch.Tensor], idx: torch.Tensor) -> dict[str, torch.Tensor]:
    return {k: v[idx.to(v.device)] for k, v in t.items()}


def _batches(n: int, batch_size: int, gen: torch.Generator | None) -> Iterator[torch.Tensor]:
    order = torch.randperm(n, generator=gen) if gen is not None else torch.arange(n)
    for i in range(0, n, batch_size):
        yield order[i:i + batch_size]


@torch.no_grad()
def validate(model: torch.nn.Module, loss: StepLoss, t: dict[str, torch.Tensor], batch_size: int,
             dev: Device) -> list[float]:
    """Each named loss's mean over a split, weighted by the batches' real (unpadded) steps."""
    model.eval()
    totals: list[float] = []
    steps = 0.0
    for idx in _batches(len(t["tgt"]), batch_size, None):
        with dev.autocast():
            values = loss(model, _batch(t, idx))
        k = float((t["tgt"][idx.to(t["tgt"].device)] >= 0).sum())
        totals = [a + float(v) * k for a, v in zip(totals or [0.0] * len(values), values, strict=True)]
        steps += k
    return [v / max(steps, 1) for v in totals]


@dataclass
class FitResult:
    best: dict[str, float]             # validation losses of the best epoch, by name
    history: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        return len(self.history)


def fit(model: torch.nn.Module, loss: StepLoss, names: tuple[str, ...], train, val, cfg: Train,
        dev: Device, desc: str) -> FitResult:
    """Train `model` (already on `dev.device`) on the `train` arrays, validating on `val`; returns
    with the best epoch's weights loaded. `names` name what `loss` returns (history: `val_<name>`)."""
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    tt, tv = to_tensors(train, dev.device), to_tensors(val, dev.device)
    gen = torch.Generator().manual_seed(cfg.seed)
    result = FitResult({n: math.inf for n in names})
    best_state, bad, started = None, 0, time.monotonic()
    for epoch in range(1, cfg.epochs + 1):
        _epoch(model, loss, names, tt, cfg.batch_size, gen, opt, dev, f"{desc} epoch {epoch}")
        values = validate(model, loss, tv, cfg.batch_size * 2, dev)
        sched.step(values[0])
        result.history.append({"epoch": epoch, **{f"val_{n}": round(v, 4)
                                                  for n, v in zip(names, values, strict=True)}})
        log.info("%s epoch %d: %s", desc, epoch, result.history[-1])
        if values[0] < result.best[names[0]] - IMPROVEMENT:
            result.best, bad = dict(zip(names, values, strict=True)), 0
            best_state = copy.deepcopy({k: v.detach().float().cpu() for k, v in model.state_dict().items()})
        else:
            bad += 1
            if bad >= cfg.patience:
                log.info("%s: early stop after epoch %d", desc, epoch)
                break
        if cfg.max_minutes is not None and time.monotonic() - started > 60 * cfg.max_minutes:
            log.info("%s: time budget reached after epoch %d", desc, epoch)
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    result.seconds = time.monotonic() - started
    return result


def _epoch(model: torch.nn.Module, loss: StepLoss, names: tuple[str, ...], t: dict[str, torch.Tensor],
           batch_size: int, gen: torch.Generator, opt: torch.optim.Optimizer, dev: Device,
           desc: str) -> None:
    model.train()
    bar = tqdm(list(_batches(len(t["tgt"]), batch_size, gen)), desc=desc, leave=False, mininterval=1.0)
    for idx in bar:
        with dev.autocast():
            values = loss(model, _batch(t, idx))
        optimise(model, values[0], opt, dev.scaler)
        bar.set_postfix({n: f"{v.item():.3f}" for n, v in zip(names, values, strict=True)})


def state_for_saving(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The model's weights as safetensors wants them: float32, on the CPU, contiguous."""
    return {k: v.float().cpu().contiguous() for k, v in model.state_dict().items()}
