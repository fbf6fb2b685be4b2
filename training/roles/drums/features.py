"""What the evaluation and the originality index measure of a groove: the evaluation's feature vector
(the groove features of `beatengine.roles.drums.features` with the structure measures of
`training.roles.drums.structure`) and the onset-grid windows the index holds."""

from collections import defaultdict

import numpy as np

from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.features import (
    HIST_BINS,
    SCALAR_FEATURES,
    onset_histogram,
    onset_window_hashes,
    scalar_features,
)
from beatengine.roles.drums.grid import DrumGrid
from training.roles.drums import structure
from training.sources.drum_midi import DrumExample

EVAL_SCALARS = (*SCALAR_FEATURES, *structure.STRUCTURE_SCALARS)
FEATURE_NAMES = (*EVAL_SCALARS, *(f"kick_hist_{i}" for i in range(HIST_BINS)),
                 *(f"snare_hist_{i}" for i in range(HIST_BINS)), *structure.PROFILE_NAMES)
N_SCALARS = len(EVAL_SCALARS)


def clip_features(grid: DrumGrid, bpm: float) -> np.ndarray:
    """(len(FEATURE_NAMES),) the scalars first (groove, then structure), then the kick and snare
    onset histograms and the kick, snare and hat onset profiles: the input of the realism and genre
    classifiers."""
    s = structure.structure_vector(grid, bpm)
    n = len(structure.STRUCTURE_SCALARS)
    return np.concatenate([scalar_features(grid), s[:n], onset_histogram(grid, V.KICK),
                           onset_histogram(grid, V.SNARE), s[n:]])


def originality_pieces(examples: list[DrumExample]) -> dict[str, np.ndarray]:
    """Onset-grid window hashes per origin (performance or file) of real, non-rule examples: the
    style rules are ours, and copying them is no one's loss."""
    pieces: dict[str, list[np.ndarray]] = defaultdict(list)
    for e in examples:
        if e.source != "rules":
            pieces[e.origin].append(onset_window_hashes(e.grid.hits, e.grid.meter))
    return {k: np.concatenate(v) for k, v in pieces.items()}
