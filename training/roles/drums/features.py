"""What the evaluation and the originality index measure of a groove: the feature vector's names
(`beatengine.roles.drums.features` computes it) and the onset-grid windows the index holds."""

from collections import defaultdict

import numpy as np

from beatengine.roles.drums.features import SCALAR_FEATURES, onset_window_hashes
from training.sources.drum_midi import DrumExample

FEATURE_NAMES = (*SCALAR_FEATURES, *(f"kick_hist_{i}" for i in range(16)),
                 *(f"snare_hist_{i}" for i in range(16)))
N_SCALARS = len(SCALAR_FEATURES)


def originality_pieces(examples: list[DrumExample]) -> dict[str, np.ndarray]:
    """Onset-grid window hashes per origin (performance or file) of real, non-rule examples: the
    style rules are ours, and copying them is no one's loss."""
    pieces: dict[str, list[np.ndarray]] = defaultdict(list)
    for e in examples:
        if e.source != "rules":
            pieces[e.origin].append(onset_window_hashes(e.grid.hits, e.grid.meter))
    return {k: np.concatenate(v) for k, v in pieces.items()}
