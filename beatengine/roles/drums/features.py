"""Drum features on the step grid, for evaluation and the originality guard.

Scalar features are what a producer hears first: how busy each part of the kit is, how syncopated
and how steady the groove is, how dynamic. The onset histograms say *where* in the bar kick and snare
fall. All are computed on the fixed 16th grid, so real and generated parts are measured alike.
"""

import numpy as np

from beatengine.meter import STEPS_PER_BAR
from beatengine.originality import window_hashes
from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.grid import DrumGrid

PIECE_GROUPS: dict[str, tuple[int, ...]] = {
    "kick": (V.KICK,), "snare": (V.SNARE,), "hats": (V.CLOSED_HH, V.OPEN_HH, V.HH_ROLL),
    "toms": (V.LOW_TOM, V.MID_TOM, V.HIGH_TOM), "cymbals": (V.CRASH, V.RIDE),
}
SCALAR_FEATURES: tuple[str, ...] = (*(f"{g}_per_bar" for g in PIECE_GROUPS), "syncopation",
                                    "groove_consistency", "velocity_spread")
HIST_BINS = 16  # onset histograms: 16 bins over the bar whatever the metre


def scalar_features(grid: DrumGrid) -> np.ndarray:
    """(len(SCALAR_FEATURES),) per clip:
    - hits per bar of each piece group;
    - syncopation: share of kick and snare hits on off-beat 16ths (odd steps);
    - groove consistency: 1 - mean Hamming distance between the onset grids of all pairs of bars,
      as a share of the bar's cells (1 = every bar the same);
    - velocity spread: standard deviation of all velocities."""
    bars = max(1, grid.n_bars)
    per_bar = [grid.hits[:, list(p)].sum() / bars for p in PIECE_GROUPS.values()]
    ks = grid.hits[:, [V.KICK, V.SNARE]]
    syncopation = ks[1::2].sum() / ks.sum() if ks.sum() else 0.0
    onsets = grid.hits[:grid.n_bars * grid.steps_per_bar].reshape(grid.n_bars, -1)  # (bars, S*P)
    if grid.n_bars > 1:
        i, j = np.triu_indices(grid.n_bars, 1)
        consistency = 1.0 - float((onsets[i] != onsets[j]).mean())
    else:
        consistency = 1.0
    vel = grid.velocity[grid.hits]
    spread = float(vel.std()) if vel.size > 1 else 0.0
    return np.array([*per_bar, syncopation, consistency, spread], np.float64)


def onset_histogram(grid: DrumGrid, piece: int) -> np.ndarray:
    """(HIST_BINS,) share of a piece's hits at each position in the bar."""
    steps = np.nonzero(grid.hits[:, piece])[0]
    bins = (steps % grid.steps_per_bar) * HIST_BINS // grid.steps_per_bar
    counts = np.bincount(bins, minlength=HIST_BINS).astype(np.float64)
    return counts / counts.sum() if counts.sum() else counts


def feature_vector(grid: DrumGrid) -> np.ndarray:
    """Scalars then kick and snare onset histograms: the input of the realism and genre
    classifiers."""
    return np.concatenate([scalar_features(grid), onset_histogram(grid, V.KICK),
                           onset_histogram(grid, V.SNARE)])


COPY_WINDOW_BARS = 4


def onset_window_hashes(hits: np.ndarray, meter: str) -> np.ndarray:
    """Hashes of every 4-bar window (hop 1 bar) of a part's onset grid, for the originality index.
    A hi-hat roll counts as a closed hi-hat hit: the same groove with a ratchet is the same groove."""
    onsets = hits[:, :V.HH_ROLL].copy()
    onsets[:, V.CLOSED_HH] |= hits[:, V.HH_ROLL]
    spb = STEPS_PER_BAR[meter]
    return window_hashes(np.packbits(onsets, axis=1), COPY_WINDOW_BARS * spb, spb)
