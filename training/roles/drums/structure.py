"""Structure of a drum part on the step grid: what a producer sees when a part is looped and what a
drummer holds from bar to bar. Per clip, for the evaluation's classifiers and its per-genre table.

- onset profiles: per 16th of the bar, the share of bars with a kick (snare, hats) hit there;
- skeleton similarity: the accented kick+snare hits of a bar (velocity >= `ACCENT`), best Jaccard
  overlap with the bar one or two before, averaged over bars 2..;
- loop repetition: the share of bars 3.. whose kick+snare pattern equals the bar one or two before;
- backbeat share: the share of bars with a snare on beats 2 and 4 (4/4 only);
- four-on-the-floor share: the share of bars with a kick on every quarter-note beat;
- kick microtiming: mean signed offset of the kicks from the grid, in ms at the clip's tempo;
- velocity: mean velocity of each piece group.

Fill bars are left out of the bar-level shares (a fill is meant to break the loop). The measures are
for training and evaluation only; the service does not use them.
"""

import numpy as np

from beatengine.meter import STEPS_PER_BEAT
from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.features import PIECE_GROUPS
from beatengine.roles.drums.grid import DrumGrid

ACCENT = 50                # a skeleton hit: kick or snare at this velocity or more
PROFILE_BINS = 16          # 16ths of a 4/4 bar; shorter bars fill the first of them
PROFILE_PIECES: dict[str, tuple[int, ...]] = {
    "kick": (V.KICK,), "snare": (V.SNARE,), "hats": (V.CLOSED_HH, V.OPEN_HH, V.HH_ROLL)}
SKELETON = [V.KICK, V.SNARE]
BACKBEAT_STEPS = (4, 12)   # beats 2 and 4 of a 4/4 bar

STRUCTURE_SCALARS: tuple[str, ...] = (
    "skeleton_similarity", "loop_repetition", "backbeat_share", "four_on_the_floor_share",
    "kick_offset_ms", *(f"{g}_velocity" for g in PIECE_GROUPS))
PROFILE_NAMES: tuple[str, ...] = tuple(f"{p}_profile_{i}" for p in PROFILE_PIECES
                                       for i in range(PROFILE_BINS))
# What the per-genre table reports, real beside generated
GENRE_MEASURES: tuple[str, ...] = ("loop_repetition", "backbeat_share", "four_on_the_floor_share",
                                   "kick_per_bar", "snare_per_bar", "toms_per_bar", "skeleton_similarity")


def bar_hits(grid: DrumGrid) -> np.ndarray:
    """(bars, steps per bar, P) bool."""
    s = grid.steps_per_bar
    return grid.hits[:grid.n_bars * s].reshape(grid.n_bars, s, -1)


def onset_profile(grid: DrumGrid, pieces: tuple[int, ...]) -> np.ndarray:
    """(PROFILE_BINS,) share of bars with a hit of any of `pieces` at each 16th."""
    profile = np.zeros(PROFILE_BINS)
    if grid.n_bars:
        shares = bar_hits(grid)[:, :, list(pieces)].any(axis=2).mean(axis=0)
        profile[:len(shares)] = shares[:PROFILE_BINS]
    return profile


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 1.0   # two silent bars are alike


def skeleton_similarity(grid: DrumGrid) -> float:
    """Mean over bars 2.. of the best Jaccard overlap of the bar's accented kick+snare hits with the
    bar one or two before (1.0 = every bar repeats one of the two before it; nan under 2 bars)."""
    s = grid.steps_per_bar
    accented = (grid.hits & (grid.velocity >= ACCENT))[:grid.n_bars * s, SKELETON]
    bars = accented.reshape(grid.n_bars, -1)
    best = [max(_jaccard(bars[b], bars[b - k]) for k in (1, 2) if b - k >= 0)
            for b in range(1, grid.n_bars)]
    return float(np.mean(best)) if best else float("nan")


def loop_repetition(grid: DrumGrid) -> float:
    """Share of the non-fill bars 3.. whose kick+snare pattern is exactly that of the bar one or two
    before (nan when there are none)."""
    bars = bar_hits(grid)[:, :, SKELETON].reshape(grid.n_bars, -1)
    same = [(bars[b] == bars[b - 1]).all() or (bars[b] == bars[b - 2]).all()
            for b in range(2, grid.n_bars) if not grid.fill_bars[b]]
    return float(np.mean(same)) if same else float("nan")


def _played_bars(grid: DrumGrid) -> np.ndarray:
    """(non-fill bars, steps per bar, P)."""
    return bar_hits(grid)[~grid.fill_bars[:grid.n_bars].astype(bool)]


def backbeat_share(grid: DrumGrid) -> float:
    """Share of non-fill bars with a snare on both beats 2 and 4 (nan outside 4/4)."""
    bars = _played_bars(grid)
    if grid.meter != "4/4" or not len(bars):
        return float("nan")
    return float(bars[:, list(BACKBEAT_STEPS), V.SNARE].all(axis=1).mean())


def four_on_the_floor_share(grid: DrumGrid) -> float:
    """Share of non-fill bars with a kick on every quarter-note beat."""
    bars = _played_bars(grid)
    if not len(bars):
        return float("nan")
    return float(bars[:, ::STEPS_PER_BEAT, V.KICK].all(axis=1).mean())


def kick_offset_ms(grid: DrumGrid, bpm: float) -> float:
    """Mean signed offset of the kicks from the grid, in ms (negative = early); 0 without kicks."""
    offsets = grid.offset[grid.hits[:, V.KICK], V.KICK]
    step_ms = 60_000.0 / bpm / STEPS_PER_BEAT
    return float(offsets.mean() * step_ms) if offsets.size else 0.0


def mean_velocities(grid: DrumGrid) -> list[float]:
    """Mean velocity of each piece group of `PIECE_GROUPS` (0 where it does not play)."""
    out = []
    for pieces in PIECE_GROUPS.values():
        vel = grid.velocity[:, list(pieces)][grid.hits[:, list(pieces)]]
        out.append(float(vel.mean()) if vel.size else 0.0)
    return out


def hits_per_bar(grid: DrumGrid, group: str) -> float:
    return float(grid.hits[:, list(PIECE_GROUPS[group])].sum()) / max(1, grid.n_bars)


def measures(grid: DrumGrid, bpm: float) -> dict[str, float]:
    """Every named measure of one clip (nan where a measure does not apply)."""
    return {"skeleton_similarity": skeleton_similarity(grid), "loop_repetition": loop_repetition(grid),
            "backbeat_share": backbeat_share(grid), "four_on_the_floor_share": four_on_the_floor_share(grid),
            "kick_offset_ms": kick_offset_ms(grid, bpm),
            **dict(zip((f"{g}_velocity" for g in PIECE_GROUPS), mean_velocities(grid), strict=True)),
            **{f"{g}_per_bar": hits_per_bar(grid, g) for g in PIECE_GROUPS}}


def structure_vector(grid: DrumGrid, bpm: float) -> np.ndarray:
    """The structure scalars (`STRUCTURE_SCALARS`; a measure that does not apply is 0, as a
    classifier needs a number) then the onset profiles (`PROFILE_NAMES`)."""
    m = measures(grid, bpm)
    scalars = np.nan_to_num(np.array([m[k] for k in STRUCTURE_SCALARS], np.float64))
    return np.concatenate([scalars, *(onset_profile(grid, p) for p in PROFILE_PIECES.values())])


def genre_table(clips: dict[str, list[tuple[str, dict[str, float]]]]) -> dict[str, dict[str, dict]]:
    """Per genre, per system: the mean of each of `GENRE_MEASURES` over its clips (nan-aware; None
    where no clip has it) and the clip count. `clips` maps a system to (genre, measures) pairs."""
    out: dict[str, dict[str, dict]] = {}
    for system, rows in clips.items():
        for genre in sorted({g for g, _ in rows}):
            ms = [m for g, m in rows if g == genre]
            cell: dict = {"clips": len(ms)}
            for k in GENRE_MEASURES:
                values = np.array([m[k] for m in ms], np.float64)
                cell[k] = float(np.nanmean(values)) if np.isfinite(values).any() else None
            out.setdefault(genre, {})[system] = cell
    return out
