"""Calibrate a line model's rhythm to its training lines: per 16th of a 4/4 bar, logit offsets of
rest, hold and onset such that lines decoded as the service decodes them (every mask on) start,
hold and rest where the training split's real lines do, and offsets of holding a note by its age
so its notes are as long as theirs on the grid. The decode-time masks (chord tones, the
motif plan) shift the model's habits, so this is measured on what is served, a few rounds.

    python -m training calibrate --role melody --from-version 1.0.1
"""

import logging

import numpy as np

from beatengine.roles.lines import rhythm
from beatengine.roles.lines.generator import LineGenerator
from training.seq.evaluate import song_clips

log = logging.getLogger(__name__)

SPB = 16                   # 4/4 only: the other metres keep the model's own rhythm
CLIPS, ROUNDS = 240, 4
DAMPING, LIMIT, EPS = 0.8, 3.0, 0.01


def calibrate_rhythm(gen: LineGenerator, role, songs: list, genre: str = "pop") -> dict:
    """{"steps": (16, 3), "hold_by_age": (4,)} offsets for `genre`, fitted on the training split's
    4/4 clips of that genre ({} when it has none); `role` is the role's evaluation hooks (its
    `params` make a clip's request)."""
    clips = [c for c in song_clips(role, [s for s in songs if s.split == "train"])
             if c.meter == "4/4" and c.genre == genre]
    rng = np.random.default_rng(0)
    clips = [clips[i] for i in rng.permutation(len(clips))[:CLIPS]]
    if not clips:
        return {}
    real = [rhythm.step_states(c.notes, c.bars * SPB) for c in clips]
    real_steps, real_hold = rhythm.profile(real, SPB), rhythm.hold_by_age(real)
    steps, hold = np.zeros((SPB, 3)), np.zeros(rhythm.MAX_AGE)
    densities = rng.random(len(clips))
    for r in range(ROUNDS):
        gen.cfg.rhythm_calibration = {**gen.cfg.rhythm_calibration,
                                      genre: {"steps": steps.tolist(), "hold_by_age": hold.tolist()}}
        served = [rhythm.step_states(gen.generate(role.params(c, i, float(densities[i]), True))[0]
                                     .notes, c.bars * SPB) for i, c in enumerate(clips)]
        gap = np.log(real_steps + EPS) - np.log(rhythm.profile(served, SPB) + EPS)
        hold_gap = _logit(real_hold) - _logit(rhythm.hold_by_age(served))
        log.info("%s rhythm round %d: worst step gap %.2f, hold gaps by age %s", role.name, r,
                 np.abs(gap).max(), np.round(hold_gap, 2))
        steps = np.clip(steps + DAMPING * gap, -LIMIT, LIMIT)
        steps -= steps.mean(axis=1, keepdims=True)     # only differences between the three count
        hold = np.clip(hold + DAMPING * hold_gap, -LIMIT, LIMIT)
    return {"steps": np.round(steps, 3).tolist(), "hold_by_age": np.round(hold, 3).tolist()}


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))
