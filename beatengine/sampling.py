"""Constrained sampling as small composable logit masks.

A mask is an additive bias over the output vocabulary: 0 keeps a token as the model scored it,
-inf forbids it, other values nudge it. Static masks are summed once before decoding, so applying
any number of them costs one addition per step.
"""

import numpy as np

NEG_INF = np.float32(-1e9)


def forbid(allowed: np.ndarray) -> np.ndarray:
    """Bias that forbids every token where `allowed` is False."""
    return np.where(allowed, np.float32(0.0), NEG_INF).astype(np.float32)


def nudge(score: np.ndarray, strength: float) -> np.ndarray:
    """Bias of `strength * score` per token (e.g. score = hits in the token)."""
    return (np.asarray(score, np.float32) * np.float32(strength)).astype(np.float32)


def combine(vocab_size: int, *biases: np.ndarray | None) -> np.ndarray:
    out = np.zeros(vocab_size, np.float32)
    for b in biases:
        if b is not None:
            out += b
    return out


def gumbel(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Gumbel noise: argmax(logits + gumbel) samples from softmax(logits)."""
    u = rng.random(shape, dtype=np.float32)
    return -np.log(-np.log(np.clip(u, 1e-12, 1.0 - 1e-7)))


def sample(logits: np.ndarray, noise: np.ndarray, temperature: float,
           cutoff: float = 7.0) -> np.ndarray:
    """Sample the last axis of `logits` with temperature, dropping tokens whose log-probability is
    more than `cutoff` below the best one (the junk tail that plain temperature sampling lets in)."""
    z = logits * np.float32(1.0 / max(temperature, 1e-4))
    floor = z.max(axis=-1, keepdims=True) - np.float32(cutoff)
    # ndarray methods, not np.* wrappers: this runs once per decoded step
    return np.where(z < floor, NEG_INF, z + noise).argmax(axis=-1)
