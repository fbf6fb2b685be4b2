"""The step-sequence model (PyTorch, for training; inference runs the same weights in numpy).

A GRU over grid steps (a beat for chords, a 16th for bass and melody). At step t:

    cond  = genre_emb[genre] + mode_emb[mode] + seq_lin(seq_features)          # (B, E)
    x_t   = tok_emb[token_{t-1}] + pos_emb[pos_t] + step_lin(step_features_t) + cond
    h_t   = GRU(x_t, h_{t-1}),  h_0 = tanh(h0_lin(cond))
    logits_t = head(h_t)                                                       # (B, V)

Step features carry what the part must follow (the chord's tones, kick hits); positions carry the
metre, the step in the bar and the bar in the phrase.
"""

import torch
import torch.nn.functional as F
from torch import nn

from beatengine.seq.config import SeqModelConfig


class SeqModel(nn.Module):
    def __init__(self, cfg: SeqModelConfig):
        super().__init__()
        self.cfg = cfg
        e, h = cfg.emb, cfg.hidden
        self.tok_emb = nn.Embedding(cfg.vocab_size + 1, e)       # + BOS
        self.pos_emb = nn.Embedding(cfg.num_positions, e)
        self.step_lin = nn.Linear(cfg.step_features, e)
        self.genre_emb = nn.Embedding(len(cfg.genres), e)
        self.mode_emb = nn.Embedding(len(cfg.modes), e)
        self.seq_lin = nn.Linear(cfg.seq_features, e)
        self.h0_lin = nn.Linear(e, cfg.layers * h)
        self.drop = nn.Dropout(cfg.dropout)
        self.gru = nn.GRU(e, h, num_layers=cfg.layers, batch_first=True,
                          dropout=cfg.dropout if cfg.layers > 1 else 0.0)
        self.head = nn.Linear(h, cfg.vocab_size)

    def forward(self, tgt, pos, step, genre, mode, seq):
        """tgt, pos: (B, L) with -1 padding in tgt; step: (B, L, F); genre, mode: (B,); seq: (B, S).
        Returns logits (B, L, V)."""
        b = tgt.shape[0]
        prev = torch.cat([torch.full_like(tgt[:, :1], self.cfg.bos), tgt[:, :-1].clamp(min=0)], 1)
        cond = self.genre_emb(genre) + self.mode_emb(mode) + self.seq_lin(seq)       # (B, E)
        x = self.tok_emb(prev) + self.pos_emb(pos) + self.step_lin(step) + cond[:, None]
        h0 = torch.tanh(self.h0_lin(cond)).view(b, self.cfg.layers, -1).transpose(0, 1).contiguous()
        hs, _ = self.gru(self.drop(x), h0)                                           # (B, L, H)
        return self.head(self.drop(hs))                                              # (B, L, V)


def seq_loss(logits: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy (nats per step) over the targets that are not -1."""
    return F.cross_entropy(logits.flatten(0, 1).float(), tgt.flatten(), ignore_index=-1)
