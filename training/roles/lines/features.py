"""Features of a line (bass, melody) on a fixed grid, for the evaluation (numpy only): note density,
durations, range, intervals, how often it sits in the key and on chord tones, bass roots on
downbeats; histograms of key-relative pitch classes, intervals, onset positions and durations.
"""

import numpy as np

from beatengine.midi_io import Note
from beatengine.roles.chords.progression import Span
from beatengine.roles.lines.adherence import downbeat_root_share
from beatengine.theory import Key
from training.roles.lines.structure import chord_at, chord_tone_share, odd_sixteenth_share

LINE_SCALARS = ("notes_per_bar", "mean_duration", "pitch_range", "mean_abs_interval",
                "stepwise_share", "in_key", "chord_tones_strong", "chord_tones_all", "odd_16ths",
                "downbeat_roots")
DURATION_EDGES = (0.26, 0.51, 1.01, 2.01)       # beats: 16th, 8th, quarter, half, longer


def _or(value: float, empty: float) -> float:
    """`value`, or `empty` where a line without notes leaves it undefined (nan)."""
    return empty if np.isnan(value) else value


def histogram(values, bins: int) -> np.ndarray:
    h = np.bincount(np.asarray(values, int), minlength=bins)[:bins].astype(float)
    return h / h.sum() if h.sum() else h


def line_features(notes: list[Note], spans: list[Span], key: Key, bars: int,
                  beats_per_bar: float) -> np.ndarray:
    """Scalars (LINE_SCALARS) then histograms: pitch class above the tonic (12), interval -7..+7
    (15), onset position in the bar in 16ths (16) and duration class (5)."""
    notes = sorted(notes, key=lambda n: n.start)
    pitches = np.array([n.pitch for n in notes])
    intervals = np.diff(pitches) if len(pitches) > 1 else np.zeros(0)
    scale = set(key.scale)

    in_key = strong = strong_ct = 0
    for n in notes:
        c = chord_at(spans, n.start)
        pcs = c.pitch_classes if c is not None else frozenset()
        in_key += n.pitch % 12 in scale or n.pitch % 12 in pcs
        if abs(n.start * 2 - round(n.start * 2)) < 1e-6 and round(n.start * 4) % 4 == 0:
            strong += 1
            strong_ct += n.pitch % 12 in pcs
    k = max(len(notes), 1)
    scalars = [
        len(notes) / bars,
        float(np.mean([n.duration for n in notes])) if notes else 0.0,
        float(np.ptp(pitches)) if len(pitches) else 0.0,
        float(np.abs(intervals).mean()) if len(intervals) else 0.0,
        float((np.abs(intervals) <= 2).mean()) if len(intervals) else 0.0,
        in_key / k if notes else 1.0, strong_ct / strong if strong else 1.0,   # vacuously met
        _or(chord_tone_share(notes, spans), 1.0), _or(odd_sixteenth_share(notes), 0.0),
        downbeat_root_share(notes, spans, bars, int(beats_per_bar * 4)),
    ]
    pcs = [(p - key.tonic) % 12 for p in pitches]
    steps_per_bar = int(round(beats_per_bar * 4))
    onsets = [int(round(n.start * 4)) % steps_per_bar * 16 // steps_per_bar for n in notes]
    durations = [int(np.searchsorted(DURATION_EDGES, n.duration)) for n in notes]
    return np.concatenate([scalars, histogram(pcs, 12), histogram(np.clip(intervals, -7, 7) + 7, 15),
                           histogram(onsets, 16), histogram(durations, 5)])


def line_feature_names() -> list[str]:
    return [*LINE_SCALARS, *(f"pc_hist_{i}" for i in range(12)),
            *(f"interval_hist_{i}" for i in range(15)), *(f"onset_hist_{i}" for i in range(16)),
            *(f"duration_hist_{i}" for i in range(5))]
