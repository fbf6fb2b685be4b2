"""Fast numpy inference for `DrumModel`.

Decoding is one GRU step per 8th note (two 16th tokens), all variations in one batch. Everything that
does not depend on the recurrent state is folded into lookup tables when the weights load: the first
layer's input projection of every token and position, and the second token's pair bias through the
output head. Only tokens seen in training (`active_tokens`) are scored. The per-hit detail heads do not
feed back into the recurrence, so they run once over all steps after the loop.
"""

from dataclasses import dataclass

import numpy as np

from beatengine.budget import check_deadline
from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.config import DrumModelConfig
from beatengine.roles.drums.loop import COPY, KEEP_SKELETON, LoopPlan, repeat_details
from beatengine.sampling import NEG_INF, gumbel, sample
from beatengine.seq.numpy_gru import NumpyGRU


@dataclass
class DecodeResult:
    tokens: np.ndarray    # (B, T) pattern tokens
    vel_bins: np.ndarray  # (B, T, P)
    off_bins: np.ndarray  # (B, T, P)
    roll_idx: np.ndarray  # (B, T) index into ROLL_DIVISIONS
    logits: np.ndarray | None = None  # (B, T, A) active-token logits, only for forced paths
    hidden: np.ndarray | None = None  # (B, T, H) top GRU state per 16th, only for forced paths


class DrumDecoder:
    def __init__(self, weights: dict[str, np.ndarray], cfg: DrumModelConfig):
        cfg.check_compatible()
        self.cfg = cfg
        w = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.items()}
        self.h = cfg.hidden
        self.gru = NumpyGRU(w, cfg.layers, cfg.hidden)
        self.w_ih_t, self.b_ih = self.gru.w_ih_t, self.gru.b_ih
        # first-layer input projections as tables: (tokens, 3H) and (positions, 3H)
        self.tab_a = w["tok_a.weight"] @ self.w_ih_t[0] + self.b_ih[0]
        self.tab_b = w["tok_b.weight"] @ self.w_ih_t[0]
        self.pos_tab = w["pos_emb.weight"] @ self.w_ih_t[0]
        self.genre_emb = w["genre_emb.weight"]
        self.cond_w, self.cond_b = w["cond_lin.weight"], w["cond_lin.bias"]
        self.h0_w, self.h0_b = w["h0_lin.weight"], w["h0_lin.bias"]
        # the output head over the active tokens only
        self.active = np.asarray(cfg.active_tokens or range(V.NUM_PATTERNS), np.int64)
        self.head_t = np.ascontiguousarray(w["head.weight"][self.active].T)  # (H, A)
        self.head_b = w["head.bias"][self.active]
        self.pair_tab = w["pair.weight"][self.active] @ self.head_t           # (A, A)
        self.skeleton = self.active & V.SKELETON_BITS                          # (A,)
        self.detail_half = w["detail_half.weight"]
        self.detail_h_t, self.detail_h_b = w["detail_h.weight"].T, w["detail_h.bias"]
        self.detail_tok = w["detail_tok.weight"]
        self.vel_t, self.vel_b = w["vel_head.weight"].T, w["vel_head.bias"]
        self.off_t, self.off_b = w["off_head.weight"].T, w["off_head.bias"]
        self.roll_t, self.roll_b = w["roll_head.weight"].T, w["roll_head.bias"]

    def condition(self, genre: int, tempo: float, density: float) -> np.ndarray:
        tz = (tempo - self.cfg.tempo_mean) / self.cfg.tempo_std
        return self.genre_emb[genre] + self.cond_w @ np.array([tz, density], np.float32) + self.cond_b

    def decode(self, genre: int, tempo: float, density: float, positions: np.ndarray,
               batch: int, rng: np.random.Generator, temperature: float = 1.0,
               bias: np.ndarray | None = None, forced: np.ndarray | None = None,
               step_bias: np.ndarray | None = None, plan: LoopPlan | None = None,
               accents: np.ndarray | None = None) -> DecodeResult:
        """Sample `batch` sequences over the given (T,) position ids of 16th steps (T even).

        `bias` (1024,) is added to every step's logits, `step_bias` (T, 1024) to one step's each.
        `plan` says which steps repeat an earlier step's token (`beatengine.roles.drums.loop`).
        `accents` (T, P) bool marks hits whose velocity must be an accent's.

        With `forced` (B, T) tokens (all active) the path is given instead of sampled and the result
        carries the active-token logits of every step (to check this decoder against PyTorch)."""
        T, L, H = len(positions), self.cfg.layers, self.h
        active = self.active
        cond = self.condition(genre, tempo, density)                         # (E,)
        h0 = np.tanh(self.h0_w @ cond + self.h0_b).reshape(L, H)
        hs = [np.repeat(h0[i][None], batch, axis=0) for i in range(L)]       # L x (B, H)
        step_in = self.pos_tab[positions[0::2]] + cond @ self.w_ih_t[0]      # (S, 3H)
        noise = gumbel(rng, (T, batch, len(active)))
        head_b = self.head_b if bias is None else self.head_b + bias[active]
        sb = None if step_bias is None else np.ascontiguousarray(step_bias[:, active])  # (T, A)
        tokens = np.empty((batch, T), np.int64)
        chosen = np.empty((batch, T), np.int64)                              # active indices
        tops = np.empty((T // 2, batch, H), np.float32)
        prev_a = prev_b = np.full(batch, V.BOS)
        all_logits = np.empty((batch, T, len(active)), np.float32) if forced is not None else None
        if forced is not None:
            forced_idx = np.searchsorted(active, forced)
        for s in range(T // 2):
            check_deadline()
            x = self.tab_a[prev_a] + self.tab_b[prev_b] + step_in[s]         # (B, 3H)
            hs[0] = self.gru.step(0, x, hs[0])
            for i in range(1, L):
                hs[i] = self.gru.upper(i, hs[i - 1], hs[i])
            tops[s] = hs[-1]
            base = hs[-1] @ self.head_t + head_b                             # (B, A)
            logits_a = base if sb is None else base + sb[2 * s]
            if forced is None:
                ia = self._pick(logits_a, noise[2 * s], temperature, plan, chosen, 2 * s)
            else:
                ia = forced_idx[:, 2 * s]
                all_logits[:, 2 * s] = logits_a
            chosen[:, 2 * s] = ia
            logits_b = base + self.pair_tab[ia]                              # (B, A)
            if sb is not None:
                logits_b += sb[2 * s + 1]
            if forced is None:
                ib = self._pick(logits_b, noise[2 * s + 1], temperature, plan, chosen, 2 * s + 1)
            else:
                ib = forced_idx[:, 2 * s + 1]
                all_logits[:, 2 * s + 1] = logits_b
            chosen[:, 2 * s + 1] = ib
            prev_a, prev_b = active[ia], active[ib]
            tokens[:, 2 * s], tokens[:, 2 * s + 1] = prev_a, prev_b
        h16 = np.repeat(tops.transpose(1, 0, 2), 2, axis=1)                  # (B, T, H)
        result = self._details(h16, tokens, rng, temperature, accents)
        if plan is not None:
            repeat_details(plan, result.vel_bins, result.off_bins, result.roll_idx)
        if forced is not None:
            result.logits, result.hidden = all_logits, h16
        return result

    def _pick(self, logits: np.ndarray, noise: np.ndarray, temperature: float,
              plan: LoopPlan | None, chosen: np.ndarray, t: int) -> np.ndarray:
        """(B,) active-token indices for step t: sampled, or the loop's where the plan repeats it
        (re-sampled among tokens with the loop's kick and snare where it keeps the skeleton)."""
        src = -1 if plan is None else plan.source[t]
        if src < 0:
            return sample(logits, noise, temperature)
        loop_idx, mode = chosen[:, src], plan.mode[:, t]                     # (B,), (B,)
        if (mode == COPY).all():
            return loop_idx
        keep = (mode == KEEP_SKELETON)[:, None] & (
            self.skeleton[None, :] != self.skeleton[loop_idx][:, None])      # (B, A)
        picked = sample(np.where(keep, NEG_INF, logits), noise, temperature)
        return np.where(mode == COPY, loop_idx, picked)

    def detail_logits(self, h16: np.ndarray, tokens: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Velocity (B,T,P,VB), offset (B,T,P,OB) and roll (B,T,2) logits per 16th."""
        B, T = tokens.shape
        d = np.tanh(h16 @ self.detail_h_t + self.detail_h_b + self.detail_tok[tokens]
                    + self.detail_half[np.arange(T) % 2])                   # (B, T, D)
        return ((d @ self.vel_t + self.vel_b).reshape(B, T, V.NUM_PIECES, V.VEL_BINS),
                (d @ self.off_t + self.off_b).reshape(B, T, V.NUM_PIECES, V.OFFSET_BINS),
                d @ self.roll_t + self.roll_b)

    def _details(self, h16: np.ndarray, tokens: np.ndarray, rng: np.random.Generator,
                 temperature: float, accents: np.ndarray | None = None) -> DecodeResult:
        vel, off, roll = self.detail_logits(h16, tokens)
        vel[..., :V.MIN_VELOCITY_BIN] = NEG_INF                # never too soft to be heard
        if accents is not None:
            vel[:, accents, :V.ACCENT_MIN_VELOCITY_BIN] = NEG_INF
        # detail temperature stays near 1: velocity and timing spread is the human feel
        t = min(max(temperature, 0.7), 1.2)
        return DecodeResult(tokens,
                            sample(vel, gumbel(rng, vel.shape), t, cutoff=5.0),
                            sample(off, gumbel(rng, off.shape), t, cutoff=5.0),
                            sample(roll, gumbel(rng, roll.shape), t))
