"""The bassline's vocabulary: line tokens written above the chord's bass note, so root, fifth,
octave and approach notes are the same tokens over any chord; per-step features relative to that
bass note (the chord's and the scale's pitch classes, the next chord's bass, the kick)."""

import numpy as np

from beatengine.roles.lines import vocab as LV
from beatengine.seq.config import SeqSpec
from beatengine.theory import Chord, Key

VOCAB = LV.LineVocab("bass", -12, 36)
FEATURES = 39
SPEC = SeqSpec(vocab_size=VOCAB.size, num_positions=LV.NUM_POSITIONS, step_features=FEATURES,
               seq_features=1, vocab_version=LV.VOCAB_VERSION)
REGISTER = (28, 55)            # E1-G3: the default range of a bassline


def reference(bass_pc: int) -> int:
    """The chord's bass pitch class in the octave from E1 (28) up."""
    return 28 + (bass_pc - 28) % 12


def step_refs(steps: list[Chord | None], fallback_pc: int) -> np.ndarray:
    """(T,) bass reference pitch per step (the last chord's when no chord sounds)."""
    refs = np.empty(len(steps), np.int64)
    pc = fallback_pc
    for t, c in enumerate(steps):
        pc = c.bass_pc if c is not None else pc
        refs[t] = reference(pc)
    return refs


def features(steps: list[Chord | None], key: Key, kicks: np.ndarray | None) -> np.ndarray:
    """(T, 39), all relative to the chord's bass note: the chord's pitch classes, the scale's, the
    next chord's bass; then the kick at this step, whether kicks are known, a chord-change flag."""
    out = np.zeros((len(steps), FEATURES), np.float32)
    scale = key.scale
    nxt: Chord | None = None
    rows: dict[tuple, np.ndarray] = {}
    for t in range(len(steps) - 1, -1, -1):   # backwards, to know the next chord
        c = steps[t]
        if t + 1 < len(steps) and steps[t + 1] != c:
            nxt = steps[t + 1]
        if c is not None:
            if (c, nxt) not in rows:               # a handful of (chord, next chord) pairs
                origin = c.bass_pc
                row = np.zeros(36, np.float32)
                row[:12] = LV.pitch_class_row(c.pitch_classes, origin)
                row[12:24] = LV.pitch_class_row(scale, origin)
                if nxt is not None:
                    row[24 + (nxt.bass_pc - origin) % 12] = 1.0
                rows[(c, nxt)] = row
            out[t, :36] = rows[(c, nxt)]
        out[t, 38] = float(t == 0 or steps[t] != steps[t - 1])
    if kicks is not None:
        out[:, 36] = np.asarray(kicks, np.float32)
        out[:, 37] = 1.0
    return out
