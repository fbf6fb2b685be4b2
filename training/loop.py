"""What every trainer shares: the device (CUDA with bf16/fp16 autocast when present, else the CPU)
and one optimisation step (gradient scaling for fp16, clipping)."""

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import torch


def device_setup() -> tuple[torch.device, Callable[[], AbstractContextManager], torch.amp.GradScaler | None]:
    """(device, autocast context factory, grad scaler or None)."""
    if torch.cuda.is_available():
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return (torch.device("cuda"), lambda: torch.autocast("cuda", dtype=dtype),
                torch.amp.GradScaler("cuda", enabled=dtype == torch.float16))
    return torch.device("cpu"), nullcontext, None


def optimise(model: torch.nn.Module, loss: torch.Tensor, opt: torch.optim.Optimizer,
             scaler: torch.amp.GradScaler | None, clip: float = 1.0) -> None:
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
