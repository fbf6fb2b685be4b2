"""Sampling from a step-sequence checkpoint in numpy (no torch at inference).

The first GRU layer's input is folded into lookup tables and one matrix product per sequence, so a
step costs the recurrent products and the output head. Constraints are logit biases
(`beatengine.sampling`): a static `bias` (V,), a per-step `step_bias` (T, V), and an optional
`hook(t, tokens)` returning a (B, V) bias that depends on what was sampled so far (motif repeats,
harmonic rhythm).
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from beatengine.budget import check_deadline
from beatengine.originality import INDEX_FILE, CopyIndex
from beatengine.sampling import gumbel, sample
from beatengine.seq.config import SeqModelConfig, SeqSpec
from beatengine.seq.numpy_gru import NumpyGRU

Hook = Callable[[int, np.ndarray], np.ndarray | None]


@dataclass
class Conditions:
    """What one generation is conditioned on."""
    genre: int
    mode: int
    seq: np.ndarray         # (S,) per-sequence scalars
    positions: np.ndarray   # (T,) position ids
    step: np.ndarray        # (T, F) per-step features


class SeqDecoder:
    def __init__(self, weights: dict[str, np.ndarray], cfg: SeqModelConfig):
        self.cfg = cfg
        w = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.items()}
        self.gru = NumpyGRU(w, cfg.layers, cfg.hidden)
        w_in = self.gru.w_ih_t[0]                                             # (E, 3H)
        self.tok_tab = w["tok_emb.weight"] @ w_in + self.gru.b_ih[0]          # (V+1, 3H)
        self.pos_tab = w["pos_emb.weight"] @ w_in                             # (P, 3H)
        self.step_w = w["step_lin.weight"].T @ w_in                           # (F, 3H)
        self.step_b = w["step_lin.bias"] @ w_in
        self.genre_emb, self.mode_emb = w["genre_emb.weight"], w["mode_emb.weight"]
        self.seq_w, self.seq_b = w["seq_lin.weight"], w["seq_lin.bias"]
        self.h0_w, self.h0_b = w["h0_lin.weight"], w["h0_lin.bias"]
        self.w_in = w_in
        self.head_t = np.ascontiguousarray(w["head.weight"].T)               # (H, V)
        self.head_b = w["head.bias"]

    def decode(self, c: Conditions, batch: int, rng: np.random.Generator, temperature: float = 1.0,
               bias: np.ndarray | None = None, step_bias: np.ndarray | None = None,
               hook: Hook | None = None, forced: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray | None]:
        """(B, T) sampled tokens. With `forced` (B, T) the path is given instead of sampled and the
        per-step logits (B, T, V) come back too (to check this decoder against PyTorch)."""
        T, L, H = len(c.positions), self.cfg.layers, self.cfg.hidden
        cond = (self.genre_emb[c.genre] + self.mode_emb[c.mode] + self.seq_w @ c.seq.astype(np.float32)
                + self.seq_b)                                                 # (E,)
        h0 = np.tanh(self.h0_w @ cond + self.h0_b).reshape(L, H)
        hs = [np.repeat(h0[i][None], batch, axis=0) for i in range(L)]       # L x (B, H)
        pre = (self.pos_tab[c.positions] + c.step.astype(np.float32) @ self.step_w + self.step_b
               + cond @ self.w_in)                                            # (T, 3H)
        head_b = self.head_b if bias is None else self.head_b + bias
        noise = gumbel(rng, (T, batch, self.cfg.vocab_size))
        tokens = np.empty((batch, T), np.int64)
        logits_out = None if forced is None else np.empty((batch, T, self.cfg.vocab_size), np.float32)
        prev = np.full(batch, self.cfg.bos)
        for t in range(T):
            check_deadline()
            hs[0] = self.gru.step(0, self.tok_tab[prev] + pre[t], hs[0])
            for i in range(1, L):
                hs[i] = self.gru.upper(i, hs[i - 1], hs[i])
            logits = hs[-1] @ self.head_t + head_b                            # (B, V)
            if step_bias is not None:
                logits = logits + step_bias[t]
            if hook is not None and (extra := hook(t, tokens[:, :t])) is not None:
                logits = logits + extra
            if forced is None:
                prev = sample(logits, noise[t], temperature)
            else:
                logits_out[:, t] = logits
                prev = forced[:, t]
            tokens[:, t] = prev
        return tokens, logits_out


WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"


def load_decoder(path: Path) -> SeqDecoder:
    """The numpy decoder of a checkpoint directory."""
    cfg = SeqModelConfig.from_json((path / CONFIG_FILE).read_text())
    return SeqDecoder(load_file(str(path / WEIGHTS_FILE)), cfg)


class SeqCheckpoint:
    """A loaded step-sequence checkpoint: its decoder, config and originality index. Each role's
    generator subclasses it and names its vocabulary's `spec`, which the checkpoint must match."""

    spec: SeqSpec

    def __init__(self, path: Path):
        self.decoder = load_decoder(path)
        self.cfg = self.decoder.cfg
        self.cfg.check_compatible(self.spec)
        self.copy_index = CopyIndex.load(path / INDEX_FILE) if (path / INDEX_FILE).is_file() else None

    @classmethod
    def load(cls, path: Path):
        return cls(path)

    @classmethod
    def from_weights(cls, weights: dict[str, np.ndarray], cfg: SeqModelConfig):
        """A generator of weights in memory (training calibrates one before it is published)."""
        self = cls.__new__(cls)
        self.decoder, self.cfg, self.copy_index = SeqDecoder(weights, cfg), cfg, None
        cfg.check_compatible(cls.spec)
        return self

    @property
    def copy_threshold(self) -> float:
        """The copy share above which a part is drawn again (1.0: no index, nothing is)."""
        return self.copy_index.max_copy_share if self.copy_index else 1.0

    def genre_index(self, genre: str) -> int:
        """A genre the checkpoint never trained on is decoded as "unknown" (or its first genre)."""
        trained = self.cfg.trained_genres or self.cfg.genres
        if genre not in trained:
            genre = "unknown" if "unknown" in trained else trained[0]
        return self.cfg.genres.index(genre)

    def mode_index(self, mode: str) -> int:
        return self.cfg.modes.index(mode) if mode in self.cfg.modes else 0
