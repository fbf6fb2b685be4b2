"""Where a drum part's kicks fall: what a bassline locks to."""

import math

import numpy as np

from beatengine.meter import STEPS_PER_BEAT, beats_per_bar, steps_per_bar
from beatengine.midi_io import Note

KICK_NOTES = (35, 36)   # General MIDI acoustic and bass drum 1


def clip_bars(notes: list[Note], meter: str) -> int:
    """The whole bars a clip given as notes spans (its last onset's bar; at least one)."""
    last = max((n.start for n in notes if math.isfinite(n.start)), default=0)
    return max(1, math.ceil((last + 1e-6) / beats_per_bar(meter)))


def kick_steps(notes: list[Note], meter: str, bars: int, clip: int) -> np.ndarray:
    """(bars * steps per bar,) bool: the 16th steps where the drum part of `clip` bars has a kick,
    its pattern repeated when the drum clip is shorter (as a drum loop plays on). A note far outside
    the clip, or not finite, is never turned into a step."""
    hits = np.zeros(min(clip, bars) * steps_per_bar(meter), bool)
    limit = len(hits) / STEPS_PER_BEAT + 1
    for n in notes:
        if n.pitch not in KICK_NOTES or not -1 <= n.start <= limit:   # NaN fails both
            continue
        t = int(round(n.start * STEPS_PER_BEAT))
        if 0 <= t < len(hits):
            hits[t] = True
    return np.resize(hits, bars * steps_per_bar(meter))
