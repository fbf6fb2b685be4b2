"""What chords, bassline and melody share on the way to their models: the `SeqExample` windows each
role makes of its songs (`training.roles.<role>.data`), the `SeqArrays` the step-sequence model
(`beatengine.seq`) trains on, and the density percentiles the line roles' `density` control means.

Everything is key-relative (chord degrees, melody pitches above the tonic, bass notes above the
chord's bass), so one example teaches the model the same thing in all 12 keys.
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class SeqExample:
    tokens: np.ndarray      # (T,)
    pos: np.ndarray         # (T,)
    step: np.ndarray        # (T, F)
    genre: str
    mode: str
    seq: np.ndarray         # (S,)
    song_id: str
    split: str
    source: str


@dataclass
class SeqArrays:
    tgt: np.ndarray     # (N, L), -1 padding
    pos: np.ndarray     # (N, L)
    step: np.ndarray    # (N, L, F)
    genre: np.ndarray   # (N,)
    mode: np.ndarray    # (N,)
    seq: np.ndarray     # (N, S)

    def subset(self, idx: np.ndarray) -> "SeqArrays":
        return SeqArrays(**{k: v[idx] for k, v in self.__dict__.items()})

    def __len__(self) -> int:
        return len(self.tgt)


def to_arrays(examples: list[SeqExample], genres: list[str], modes: list[str]) -> SeqArrays:
    n, L = len(examples), max(len(e.tokens) for e in examples)
    F, S = examples[0].step.shape[1], len(examples[0].seq)
    a = SeqArrays(np.full((n, L), -1, np.int64), np.zeros((n, L), np.int64),
                  np.zeros((n, L, F), np.float32), np.zeros(n, np.int64), np.zeros(n, np.int64),
                  np.zeros((n, S), np.float32))
    for i, e in enumerate(examples):
        t = len(e.tokens)
        a.tgt[i, :t], a.pos[i, :t], a.step[i, :t] = e.tokens, e.pos, e.step
        a.genre[i] = genres.index(e.genre if e.genre in genres else "unknown")
        a.mode[i] = modes.index(e.mode) if e.mode in modes else 0
        a.seq[i] = e.seq
    return a


def windows(n_bars: int, window: int, hop: int) -> list[tuple[int, int]]:
    if n_bars <= window:
        return [(0, n_bars)] if n_bars >= 2 else []
    return [(s, s + window) for s in range(0, n_bars - window + 1, hop)]


def density_quantiles(examples: list[SeqExample]) -> dict[str, list[float]]:
    """Per genre, quantiles (0..100% by 5%) of the training windows' onsets per bar."""
    by: dict[str, list[float]] = {}
    for e in examples:
        if e.split == "train":
            by.setdefault(e.genre, []).append(float(e.seq[0]))
    return {g: np.quantile(v, np.linspace(0, 1, 21)).round(3).tolist() for g, v in by.items()}


def with_density_percentiles(examples: list[SeqExample], quantiles: dict[str, list[float]]) -> None:
    """Replace each line example's onsets-per-bar with its percentile in its genre (0-1): the
    `density` control means 'busier than this share of the genre's training lines'."""
    for e in examples:
        q = quantiles.get(e.genre)
        e.seq = np.array([np.interp(e.seq[0], q, np.linspace(0, 1, len(q))) if q else 0.5],
                         np.float32)

