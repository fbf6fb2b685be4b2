"""How well a line met its request, measured on its notes (the service reports these per variation,
the evaluation uses them as features)."""

import numpy as np

from beatengine.meter import STEPS_PER_BEAT
from beatengine.midi_io import Note
from beatengine.roles.chords.progression import Span
from beatengine.theory import Key


def adherence(notes: list[Note], key: Key, steps: list, strong: np.ndarray) -> dict[str, float]:
    """How well a line met the request: share of notes in the key's scale (or the sounding chord),
    and share of strong-beat notes that are tones of the chord sounding."""
    scale = set(key.scale)
    in_key = strong_total = strong_ct = 0
    for n in notes:
        t = int(round(n.start * STEPS_PER_BEAT))
        chord = steps[t] if t < len(steps) else None
        pcs = chord.pitch_classes if chord is not None else frozenset()
        in_key += n.pitch % 12 in scale or n.pitch % 12 in pcs
        if strong[t]:
            strong_total += 1
            strong_ct += n.pitch % 12 in pcs
    return {"in_key": in_key / len(notes) if notes else 1.0,
            "strong_beat_chord_tones": strong_ct / strong_total if strong_total else 1.0}


def downbeat_root_share(notes: list[Note], spans: list[Span], bars: int, spb: int) -> float:
    """Share of bar starts and chord starts whose first bass note is the chord's bass note: the
    note on that step, or where the line leaves it empty (a one drop, an off-beat house bass) the
    first one after it, before the next start."""
    starts: dict[int, int] = {}
    for n in sorted(notes, key=lambda n: -n.pitch):   # the lowest note starting there counts
        starts[round(n.start * STEPS_PER_BEAT)] = n.pitch % 12
    targets: dict[int, int] = {}
    for s in spans:
        targets[round(s.start * STEPS_PER_BEAT)] = s.chord.bass_pc
        for bar in range(bars):
            b = bar * spb
            if s.start * STEPS_PER_BEAT <= b < s.end * STEPS_PER_BEAT:
                targets[b] = s.chord.bass_pc
    order = sorted(targets) + [bars * spb]
    onsets = sorted(starts)
    hits = 0
    for t, end in zip(order, order[1:], strict=False):
        first = next((o for o in onsets if t <= o < end), None)
        hits += first is not None and starts[first] == targets[t]
    return hits / len(targets) if targets else 1.0
