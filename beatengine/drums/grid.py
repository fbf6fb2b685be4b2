"""The step grid a drum part lives on, and the conversions notes <-> grid.

Quantizing keeps what makes a groove human: each hit's velocity and its microtiming offset from the
nearest 16th (as a fraction of a step). Rendering puts them back, scaled by `humanize`, with swing.
"""

from dataclasses import dataclass

import numpy as np

from beatengine.drums import vocab as V
from beatengine.midi_io import TICKS_PER_BEAT, Note


@dataclass
class DrumGrid:
    """A drum part as arrays over T steps and the P kit pieces of `vocab`."""
    meter: str
    hits: np.ndarray      # (T, P) bool
    velocity: np.ndarray  # (T, P) int, 0 where no hit
    offset: np.ndarray    # (T, P) float, fraction of a step in [-0.5, 0.5)
    roll_div: np.ndarray  # (T,) int: hits per step of a hi-hat roll, 0 where none
    fill_bars: np.ndarray  # (n_bars,) bool

    @property
    def steps_per_bar(self) -> int:
        return V.STEPS_PER_BAR[self.meter]

    @property
    def n_steps(self) -> int:
        return self.hits.shape[0]

    @property
    def n_bars(self) -> int:
        return self.n_steps // self.steps_per_bar

    def tokens(self) -> np.ndarray:
        """(T,) pattern token per step: bit p set when piece p is hit."""
        return (self.hits.astype(np.int64) << np.arange(V.NUM_PIECES)).sum(axis=1)

    def bars(self, start: int, stop: int) -> "DrumGrid":
        s = self.steps_per_bar
        return DrumGrid(self.meter, self.hits[start * s:stop * s], self.velocity[start * s:stop * s],
                        self.offset[start * s:stop * s], self.roll_div[start * s:stop * s],
                        self.fill_bars[start:stop])

    @staticmethod
    def empty(meter: str, n_bars: int) -> "DrumGrid":
        t = V.STEPS_PER_BAR[meter] * n_bars
        return DrumGrid(meter, np.zeros((t, V.NUM_PIECES), bool), np.zeros((t, V.NUM_PIECES), int),
                        np.zeros((t, V.NUM_PIECES), float), np.zeros(t, int),
                        np.zeros(n_bars, bool))

    @staticmethod
    def concat(parts: list["DrumGrid"]) -> "DrumGrid":
        return DrumGrid(parts[0].meter, *(np.concatenate([getattr(p, f) for p in parts]) for f in
                                          ("hits", "velocity", "offset", "roll_div", "fill_bars")))


def tokens_to_hits(tokens: np.ndarray) -> np.ndarray:
    """(..., ) tokens -> (..., P) bool."""
    return (np.asarray(tokens)[..., None] >> np.arange(V.NUM_PIECES)) & 1 == 1


def quantize(notes: list[Note], note_to_piece: dict[int, int], meter: str, n_bars: int,
             is_fill: bool = False) -> DrumGrid:
    """Snap drum notes (times in beats) onto the 16th grid of `n_bars` bars.

    Two hits of one piece in one step keep the louder. Closed hi-hats faster than 16ths (gaps under
    0.6 of a step) are a roll: each step the run covers becomes an `HH_ROLL` of 2 or 3 hits.
    Notes whose pitch is not in `note_to_piece` are dropped.
    """
    grid = DrumGrid.empty(meter, n_bars)
    grid.fill_bars[:] = is_fill
    hats: list[tuple[float, int]] = []
    for n in notes:
        piece = note_to_piece.get(n.pitch)
        if piece == V.CLOSED_HH:
            hats.append((n.start * V.STEPS_PER_BEAT, n.velocity))
        elif piece is not None:
            _place(grid, n.start * V.STEPS_PER_BEAT, piece, n.velocity)
    hats.sort()
    run: list[tuple[float, int]] = []
    for hat in [*hats, (np.inf, 0)]:
        if run and hat[0] - run[-1][0] >= 0.6:
            if len(run) == 1:
                _place(grid, run[0][0], V.CLOSED_HH, run[0][1])
            else:
                first = int(np.floor(run[0][0] + 0.5))
                steps = int(np.floor(run[-1][0] - run[0][0])) + 1
                div = int(np.clip(round(len(run) / steps), 2, 3))
                vel = max(v for _, v in run)
                for k in range(steps):
                    pos = run[0][0] if k == 0 else float(first + k)
                    if _place(grid, pos, V.HH_ROLL, vel):
                        grid.roll_div[first + k] = div
            run = []
        run.append(hat)
    return grid


def _place(grid: DrumGrid, pos: float, piece: int, velocity: int) -> bool:
    """Put one hit at `pos` (in steps) unless a louder hit of that piece is already there."""
    step = int(np.floor(pos + 0.5))
    if not 0 <= step < grid.n_steps:
        return False
    if grid.hits[step, piece] and grid.velocity[step, piece] >= velocity:
        return True
    grid.hits[step, piece] = True
    grid.velocity[step, piece] = max(1, min(127, int(velocity)))
    grid.offset[step, piece] = float(np.clip(pos - step, -0.5, 0.4999))
    return True


def render(grid: DrumGrid, drum_map: tuple[int, ...] = V.GM_NOTE, swing: float = 0.0,
           humanize: float = 0.5) -> list[Note]:
    """Turn a grid into notes (beats).

    `humanize` scales the learned microtiming (0 = on the grid, 0.5 = as played, 1 = twice as loose)
    and the spread of velocities around the part's mean. `swing` (0-1) delays every second 16th by
    up to half a step (0.66 is a triplet feel). Every note stays inside the clip, on whole ticks.
    """
    steps, pieces = np.nonzero(grid.hits)
    if steps.size == 0:
        return []
    vel = grid.velocity[steps, pieces].astype(float)
    vel = np.clip(np.round(vel.mean() + (vel - vel.mean()) * (0.5 + humanize)), 1, 127)
    pos = steps + grid.offset[steps, pieces] * (2.0 * humanize) + swing * 0.5 * (steps % 2)
    count = np.where(pieces == V.HH_ROLL, np.maximum(grid.roll_div[steps], 2), 1)
    # a roll of k hits spreads over its step; later hits of a roll a little softer
    idx = np.repeat(np.arange(steps.size), count)
    k = np.arange(idx.size) - np.repeat(np.cumsum(count) - count, count)
    div = count[idx]
    start = (pos[idx] + k / div) / V.STEPS_PER_BEAT
    dur = np.round(TICKS_PER_BEAT / V.STEPS_PER_BEAT / div) / TICKS_PER_BEAT
    total = grid.n_steps / V.STEPS_PER_BEAT
    # times on whole MIDI ticks so the JSON and the decoded MIDI agree exactly
    start = np.round(np.clip(start, 0.0, total - dur) * TICKS_PER_BEAT) / TICKS_PER_BEAT
    pitch = np.asarray(drum_map)[pieces[idx]]
    velocity = np.maximum(1, vel[idx] - 12 * (k % 2))
    # Same-pitch notes must not overlap in MIDI: cut each one short at the next (two pieces mapped
    # to one note, or human timing pulling neighbours together); of equal starts keep the loudest.
    order = np.lexsort((-velocity, start, pitch))
    pitch, start, dur, velocity = pitch[order], start[order], dur[order], velocity[order]
    same_next = np.r_[pitch[1:] == pitch[:-1], False]
    gap = np.r_[start[1:] - start[:-1], np.inf]
    dur = np.where(same_next, np.round(np.minimum(dur, gap) * TICKS_PER_BEAT) / TICKS_PER_BEAT, dur)
    keep = np.r_[True, ~((pitch[1:] == pitch[:-1]) & (start[1:] == start[:-1]))]
    pitch, start, dur, velocity = pitch[keep], start[keep], dur[keep], velocity[keep]
    order = np.lexsort((pitch, start))
    return [Note(int(pitch[i]), float(start[i]), float(dur[i]), int(velocity[i])) for i in order]
