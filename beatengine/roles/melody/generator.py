"""Melodies: a line over the key and the chords, planned in 2-bar units so phrases repeat and vary
the way songs do (a motif, a varied answer with the same rhythm and new pitches, the motif again, a
new close; later phrases bring the motif back)."""

import numpy as np

from beatengine.roles.lines import masks
from beatengine.roles.lines.generator import LineGenerator, LineParams
from beatengine.roles.melody import vocab as melody_vocab
from beatengine.seq.decoder import Hook


def motif_plan(n_units: int) -> list[tuple[str, int]]:
    """Per 2-bar unit: ("new", -) | ("repeat", source) | ("vary", source). A 4-unit phrase is
    A A' A B; later phrases bring A back and vary the close."""
    plan = []
    for i in range(n_units):
        k = i % 4
        if k == 0:
            plan.append(("new", -1) if i == 0 else ("repeat", 0))
        elif k == 1:
            plan.append(("vary", i - 1))
        elif k == 2:
            plan.append(("repeat", i - 2))
        else:
            plan.append(("new", -1) if i < 4 else ("vary", 3))
    return plan


def motif_hook(plan: list[tuple[str, int]], unit: int, vocab_size: int):
    def hook(t: int, tokens: np.ndarray) -> np.ndarray | None:
        kind, src = plan[t // unit]
        if kind == "new":
            return None
        ref = tokens[:, src * unit + t % unit]                                # (B,)
        bias = np.zeros((len(ref), vocab_size), np.float32)
        rows = np.arange(len(ref))
        if kind == "repeat":
            bias[rows, ref] += 4.0
        else:  # same rhythm (onset / hold / rest), pitch free but leaning to the motif's
            onset = ref >= 2
            bias[onset, 2:] += 2.5
            bias[rows[onset], ref[onset]] += 1.0
            bias[rows[~onset], ref[~onset]] += 2.5
        return bias
    return hook


class MelodyGenerator(LineGenerator):
    vocab = melody_vocab.VOCAB
    spec = melody_vocab.SPEC
    register = melody_vocab.REGISTER
    # a melody that only ever lands on chord tones is stiff (real POP909 lines do on about 72% of
    # strong beats)
    chord_tone_lean = 0.8

    def references(self, steps: list, p: LineParams) -> np.ndarray:
        return np.full(len(steps), melody_vocab.reference(p.key))

    def features(self, steps: list, p: LineParams) -> np.ndarray:
        return melody_vocab.features(steps, p.key)

    def structure_hook(self, n_steps: int, spb: int) -> Hook:
        unit = 2 * spb
        return masks.combine_hooks(motif_hook(motif_plan(-(-n_steps // unit)), unit, self.vocab.size),
                                   masks.onset_per_bar_hook(spb, self.vocab.size))
