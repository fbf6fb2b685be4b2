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


def _kicks_on_grid(notes: list[Note], meter: str, bars: int, clip: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(hits, offsets) over `min(clip, bars)` bars: whether each 16th step has a kick, and how far
    (in beats) the kick sounds from the step."""
    hits = np.zeros(min(clip, bars) * steps_per_bar(meter), bool)
    offsets = np.zeros(len(hits))
    limit = len(hits) / STEPS_PER_BEAT + 1
    for n in notes:
        if n.pitch not in KICK_NOTES or not -1 <= n.start <= limit:   # NaN fails both
            continue
        t = int(round(n.start * STEPS_PER_BEAT))
        if 0 <= t < len(hits):
            hits[t] = True
            offsets[t] = n.start - t / STEPS_PER_BEAT
    return hits, offsets


def kick_offsets(notes: list[Note], meter: str, bars: int, clip: int) -> np.ndarray:
    """(bars * steps per bar,) beats: how early (-) or late (+) each kick sounds against its 16th
    step (0 where there is none), repeated as `kick_steps` repeats the pattern; a bass locked to the
    kick plays on the very same tick."""
    return np.resize(_kicks_on_grid(notes, meter, bars, clip)[1], bars * steps_per_bar(meter))


def kick_steps(notes: list[Note], meter: str, bars: int, clip: int) -> np.ndarray:
    """(bars * steps per bar,) bool: the 16th steps where the drum part of `clip` bars has a kick,
    its pattern repeated when the drum clip is shorter (as a drum loop plays on). A note far outside
    the clip, or not finite, is never turned into a step."""
    return np.resize(_kicks_on_grid(notes, meter, bars, clip)[0], bars * steps_per_bar(meter))
