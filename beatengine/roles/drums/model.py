"""The drum model (PyTorch, used for training; inference runs the same weights in numpy).

A GRU over *8th-note* steps, each emitting the pattern tokens of its two 16ths: fewer, richer steps
keep decoding fast on a CPU. A token is the set of kit pieces hit together (1024-way). For pair step
s (16ths 2s and 2s+1):

    x_s      = tok_a[prev 16th pair's first] + tok_b[its second] + pos[position of 16th 2s] + cond
    h_s      = GRU(x_s, h_{s-1})                                   # (B, H)
    logits_a = head(h_s)                                           # first 16th
    logits_b = head(h_s + pair[token_a])                           # second 16th, given the first

then, per 16th, velocity and microtiming bins for each piece and the hi-hat roll division come from
tanh(detail_h(h_s) + detail_tok[token] + detail_half[a or b]). `cond` embeds genre, tempo and density.
"""

import torch
import torch.nn.functional as F
from torch import nn

from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.config import DrumModelConfig


class DrumModel(nn.Module):
    def __init__(self, cfg: DrumModelConfig):
        super().__init__()
        self.cfg = cfg
        e, h = cfg.emb, cfg.hidden
        self.tok_a = nn.Embedding(V.NUM_INPUT_TOKENS, e)
        self.tok_b = nn.Embedding(V.NUM_INPUT_TOKENS, e)
        self.pos_emb = nn.Embedding(V.NUM_POSITIONS, e)
        self.genre_emb = nn.Embedding(len(cfg.genres), e)
        self.cond_lin = nn.Linear(2, e)                    # (tempo z-score, density)
        self.h0_lin = nn.Linear(e, cfg.layers * h)
        self.drop = nn.Dropout(cfg.dropout)
        self.gru = nn.GRU(e, h, num_layers=cfg.layers, batch_first=True,
                          dropout=cfg.dropout if cfg.layers > 1 else 0.0)
        self.head = nn.Linear(h, V.NUM_PATTERNS)
        self.pair = nn.Embedding(V.NUM_PATTERNS, h)
        self.detail_h = nn.Linear(h, cfg.detail)
        self.detail_tok = nn.Embedding(V.NUM_PATTERNS, cfg.detail)
        self.detail_half = nn.Embedding(2, cfg.detail)
        self.vel_head = nn.Linear(cfg.detail, V.NUM_PIECES * V.VEL_BINS)
        self.off_head = nn.Linear(cfg.detail, V.NUM_PIECES * V.OFFSET_BINS)
        self.roll_head = nn.Linear(cfg.detail, len(V.ROLL_DIVISIONS))

    def condition(self, genre: torch.Tensor, tempo: torch.Tensor, density: torch.Tensor):
        """(B,) each -> (B, E) conditioning vector."""
        tz = (tempo - self.cfg.tempo_mean) / self.cfg.tempo_std
        return self.genre_emb(genre) + self.cond_lin(torch.stack([tz, density], dim=-1))

    def forward(self, tgt, pos, genre, tempo, density):
        """tgt, pos: (B, L) per 16th, L even, -1 = padding in tgt; genre, tempo, density: (B,).
        Returns logits: pattern (B, L, 1024), velocity (B, L, P, VB), offset (B, L, P, OB),
        roll (B, L, 2)."""
        b, L = tgt.shape
        tok = tgt.clamp(min=0)
        prev = torch.cat([torch.full_like(tok[:, :2], V.BOS), tok[:, :-2]], dim=1)  # (B, L)
        cond = self.condition(genre, tempo, density)                                  # (B, E)
        x = self.tok_a(prev[:, 0::2]) + self.tok_b(prev[:, 1::2]) + self.pos_emb(pos[:, 0::2])
        x = self.drop(x + cond[:, None])                                             # (B, S, E)
        h0 = torch.tanh(self.h0_lin(cond)).view(b, self.cfg.layers, -1).transpose(0, 1).contiguous()
        hs, _ = self.gru(x, h0)                                                      # (B, S, H)
        hs = self.drop(hs)
        logits_a = self.head(hs)                                                     # (B, S, 1024)
        logits_b = self.head(hs + self.pair(tok[:, 0::2]))
        pattern = torch.stack([logits_a, logits_b], dim=2).view(b, L, -1)            # (B, L, 1024)
        h16 = hs.repeat_interleave(2, dim=1)                                         # (B, L, H)
        half = torch.arange(L, device=tgt.device) % 2
        d = torch.tanh(self.detail_h(h16) + self.detail_tok(tok) + self.detail_half(half))
        vel = self.vel_head(d).view(b, L, V.NUM_PIECES, V.VEL_BINS)
        off = self.off_head(d).view(b, L, V.NUM_PIECES, V.OFFSET_BINS)
        return pattern, vel, off, self.roll_head(d)


def _ce(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over the targets that are not -1; 0 when there are none."""
    if not (target >= 0).any():
        return logits.sum() * 0.0
    return F.cross_entropy(logits.float(), target, ignore_index=-1)


def drum_loss(outputs, tgt, vel, off, roll) -> tuple[torch.Tensor, torch.Tensor]:
    """Total loss and the pattern NLL (nats per 16th step) alone. Targets use -1 for 'ignore'."""
    pattern, vel_logits, off_logits, roll_logits = outputs
    nll = _ce(pattern.flatten(0, 1), tgt.flatten())
    total = (nll + 0.5 * _ce(vel_logits.flatten(0, 2), vel.flatten())
             + 0.5 * _ce(off_logits.flatten(0, 2), off.flatten())
             + 0.2 * _ce(roll_logits.flatten(0, 1), roll.flatten()))
    return total, nll
