"""Groove features on the step grid, for the quality check: what a producer hears first."""

import numpy as np

from beatengine.drums import vocab as V
from beatengine.drums.grid import DrumGrid

HAT_PIECES = (V.CLOSED_HH, V.OPEN_HH, V.HH_ROLL)


def groove_features(grid: DrumGrid) -> dict[str, float]:
    """Per clip: kick, snare and hi-hat hits per bar; syncopation (share of kick and snare hits on
    off-beat 16ths, i.e. odd steps); velocity spread (standard deviation of all velocities)."""
    bars = max(1, grid.n_bars)
    ks = grid.hits[:, [V.KICK, V.SNARE]]
    ks_hits = ks.sum()
    odd = ks[1::2].sum()
    vel = grid.velocity[grid.hits]
    return {
        "kick_per_bar": float(grid.hits[:, V.KICK].sum()) / bars,
        "snare_per_bar": float(grid.hits[:, V.SNARE].sum()) / bars,
        "hat_per_bar": float(grid.hits[:, HAT_PIECES].sum()) / bars,
        "syncopation": float(odd) / ks_hits if ks_hits else 0.0,
        "velocity_spread": float(vel.std()) if vel.size > 1 else 0.0,
    }


FEATURES = ("kick_per_bar", "snare_per_bar", "hat_per_bar", "syncopation", "velocity_spread")


def mean_features(grids: list[DrumGrid]) -> dict[str, float]:
    rows = [groove_features(g) for g in grids]
    return {f: float(np.mean([r[f] for r in rows])) for f in FEATURES}
