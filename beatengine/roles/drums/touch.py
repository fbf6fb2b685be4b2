"""A take's touch: how loud a drummer plays each part of the kit, and how much the velocities spread.

Drummers' takes differ in touch (one rides the hats softly, another digs into the snare); a model
that draws each hit's velocity on its own averages them all into one touch. So each generated take
borrows the touch of a real take of its genre from the training split: the mean velocity of every
piece group (`PIECE_GROUPS`) and the spread of all velocities. The take's own dynamics (accents,
ghost notes, crescendos) are kept, moved and scaled (by at most `MAX_SCALE` either way) to that
touch. Only the genres learned from drummers have touches: a programmed beat's velocities are the
programmer's, as the style rules write them. Touches are measured at training and saved in the
checkpoint's config (`DrumModelConfig.touch`).
"""

import numpy as np

from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.features import PIECE_GROUPS
from beatengine.roles.drums.grid import DrumGrid
from beatengine.roles.drums.loop import PROGRAMMED_GENRES

GROUPS = tuple(PIECE_GROUPS.values())
MAX_TOUCHES = 120                      # per genre in a checkpoint's config
MAX_SCALE = 1.25                       # a take's spread is scaled by 1/1.25 to 1.25


def touch_of(grid: DrumGrid) -> list[float | None] | None:
    """[mean velocity of each piece group (None where it does not play)..., spread of all]."""
    vel = grid.velocity[grid.hits]
    if vel.size < 2:
        return None
    means = [round(float(grid.velocity[:, list(g)][grid.hits[:, list(g)]].mean()), 1)
             if grid.hits[:, list(g)].any() else None for g in GROUPS]
    return [*means, round(float(vel.std()), 1)]


def apply_touch(grid: DrumGrid, touch: list[float | None], accents: np.ndarray | None = None) -> None:
    """Move each group's velocities to the touch's mean and scale their spread around it to the
    touch's (in place). No hit goes below the softest heard, no required accent below an
    accent's."""
    vel = grid.velocity.astype(np.float64)
    hit = grid.hits
    spread = vel[hit].std() if hit.sum() > 1 else 0.0
    scale = float(np.clip(touch[-1] / spread, 1 / MAX_SCALE, MAX_SCALE)) if spread > 1e-6 else 1.0
    for pieces, target in zip(GROUPS, touch[:-1], strict=True):
        cols = list(pieces)
        mask = np.zeros_like(hit)
        mask[:, cols] = hit[:, cols]
        if not mask.any() or target is None:
            continue
        vel[mask] = target + (vel[mask] - vel[mask].mean()) * scale
    floor = np.full_like(vel, 1 + 8 * V.MIN_VELOCITY_BIN)
    if accents is not None:
        floor[accents] = 1 + 8 * V.ACCENT_MIN_VELOCITY_BIN
    grid.velocity = np.where(hit, np.clip(np.round(np.maximum(vel, floor)), 1, 127), 0).astype(int)


def touches(examples: list, genres: list[str], rng: np.random.Generator
            ) -> dict[str, list[list[float | None]]]:
    """Per genre learned from drummers, the touches of up to `MAX_TOUCHES` of its training takes."""
    out: dict[str, list[list[float | None]]] = {}
    for genre in (g for g in genres if g not in PROGRAMMED_GENRES):
        takes = [e for e in examples if e.genre == genre and e.split == "train"
                 and e.source != "rules"]
        picked = rng.permutation(len(takes))[:MAX_TOUCHES]
        found = [t for t in (touch_of(takes[i].grid) for i in picked) if t is not None]
        if found:
            out[genre] = found
    return out
