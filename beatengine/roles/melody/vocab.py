"""The melody's vocabulary: line tokens written above the key's tonic from middle C, so a line is
the same tokens in every key; per-step features relative to the tonic (the chord's pitch classes and
root, chord changes)."""

import numpy as np

from beatengine.roles.lines import vocab as LV
from beatengine.seq.config import SeqSpec
from beatengine.theory import Chord, Key

VOCAB = LV.LineVocab("melody", -12, 48)
FEATURES = 25
SPEC = SeqSpec(vocab_size=VOCAB.size, num_positions=LV.NUM_POSITIONS, step_features=FEATURES,
               seq_features=1, vocab_version=LV.VOCAB_VERSION)
REGISTER = (60, 84)            # C4-C6: the default range of a melody


def reference(key: Key) -> int:
    return 60 + key.tonic


def features(steps: list[Chord | None], key: Key) -> np.ndarray:
    """(T, 25): the chord's pitch classes and root relative to the tonic, and a chord-change flag."""
    out = np.zeros((len(steps), FEATURES), np.float32)
    rows: dict[Chord, np.ndarray] = {}
    for t, c in enumerate(steps):
        if c is not None:
            if c not in rows:                      # a handful of chords, many steps each
                row = np.zeros(24, np.float32)
                row[:12] = LV.pitch_class_row(c.pitch_classes, key.tonic)
                row[12 + (c.root - key.tonic) % 12] = 1.0
                rows[c] = row
            out[t, :24] = rows[c]
        out[t, 24] = float(t == 0 or steps[t] != steps[t - 1])
    return out
