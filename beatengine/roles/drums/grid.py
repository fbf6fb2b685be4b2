"""The step grid a drum part lives on, and the conversions notes <-> grid.

Quantizing keeps what makes a groove human: each hit's velocity and its microtiming offset from the
nearest 16th (as a fraction of a step). Rendering puts them back, scaled by `humanize`, with swing.
"""

from dataclasses import dataclass

import numpy as np

from beatengine.meter import STEPS_PER_BAR, STEPS_PER_BEAT
from beatengine.midi_io import TICKS_PER_BEAT, Note
from beatengine.roles.drums import vocab as V


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
        return STEPS_PER_BAR[self.meter]

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
        t = STEPS_PER_BAR[meter] * n_bars
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
    0.6 of a step) are a roll: each step holding 2 or more of its strokes becomes an `HH_ROLL`.
    Notes whose pitch is not in `note_to_piece` are dropped.
    """
    grid = DrumGrid.empty(meter, n_bars)
    grid.fill_bars[:] = is_fill
    hats: list[tuple[float, int]] = []
    for n in notes:
        piece = note_to_piece.get(n.pitch)
        if piece == V.CLOSED_HH:
            hats.append((n.start * STEPS_PER_BEAT, n.velocity))
        elif piece is not None:
            _place(grid, n.start * STEPS_PER_BEAT, piece, n.velocity)
    for run, vel in _hat_runs(sorted(hats)):
        first = int(np.floor(run[0] + 0.5))
        # strokes fall into steps counted from the run's first stroke (so a 32nd roll pairs up)
        groups: dict[int, list[float]] = {}
        for pos in run:
            groups.setdefault(int(np.floor(pos - run[0] + 0.1)), []).append(pos)
        for g, strokes in groups.items():
            if len(strokes) == 1:
                _place(grid, strokes[0], V.CLOSED_HH, vel)
            elif _place(grid, run[0] if g == 0 else float(first + g), V.HH_ROLL, vel):
                grid.roll_div[first + g] = min(len(strokes), 3)
    return grid


def _hat_runs(hats: list[tuple[float, int]]) -> list[tuple[list[float], int]]:
    """Group closed-hat hits (step position, velocity) into runs: hits under 0.2 of a step apart are
    one stroke (flams, pedal plus stick), strokes under 0.6 apart are one run.
    Returns (stroke positions, loudest velocity) per run."""
    strokes: list[tuple[float, int]] = []
    for pos, vel in hats:
        if strokes and pos - strokes[-1][0] < 0.2:
            strokes[-1] = (strokes[-1][0], max(vel, strokes[-1][1]))
            continue
        strokes.append((pos, vel))
    runs: list[list[tuple[float, int]]] = []
    for stroke in strokes:
        if runs and stroke[0] - runs[-1][-1][0] < 0.6:
            runs[-1].append(stroke)
        else:
            runs.append([stroke])
    return [([p for p, _ in r], max(v for _, v in r)) for r in runs]


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


def swung(steps: np.ndarray, swing: float, swing_grid: int = 16) -> np.ndarray:
    """Step positions with swing: on the 16th grid every second 16th moves later by `swing` / 2 of a
    step; on the 8th grid every off-beat 8th moves later by `swing` of a step and the 16ths around
    it keep their place in proportion. Either way 0.66 is a triplet feel and 1 a dotted one."""
    if swing_grid == 16:
        return steps + swing * 0.5 * (steps % 2)
    if swing_grid != 8:
        raise ValueError(f"swing_grid must be 8 or 16, not {swing_grid}")
    half = STEPS_PER_BEAT // 2                     # an 8th, in steps
    q = steps % STEPS_PER_BEAT                     # place in the beat
    late = half * (1 + swing / 2)                  # where the off-beat 8th lands
    inside = np.where(q < half, q * late / half, late + (q - half) * (STEPS_PER_BEAT - late) / half)
    return steps - q + inside


def render(grid: DrumGrid, drum_map: tuple[int, ...] = V.GM_NOTE, swing: float = 0.0,
           humanize: float = 0.5, swing_grid: int = 16) -> list[Note]:
    """Turn a grid into notes (beats).

    `humanize` scales the learned microtiming (0 = on the grid, 0.5 = as played, 1 = twice as loose)
    and the spread of velocities around the part's mean. `swing` (0-1) delays the off-beats of the
    `swing_grid` (8 or 16; see `swung`). Every note stays inside the clip, on whole ticks.
    """
    steps, pieces = np.nonzero(grid.hits)
    if steps.size == 0:
        return []
    vel = grid.velocity[steps, pieces].astype(float)
    vel = np.clip(np.round(vel.mean() + (vel - vel.mean()) * (0.5 + humanize)), 1, 127)
    pos = swung(steps, swing, swing_grid) + grid.offset[steps, pieces] * (2.0 * humanize)
    count = np.where(pieces == V.HH_ROLL, np.maximum(grid.roll_div[steps], 2), 1)
    # a roll of k hits spreads over its step; later hits of a roll a little softer
    idx = np.repeat(np.arange(steps.size), count)
    k = np.arange(idx.size) - np.repeat(np.cumsum(count) - count, count)
    div = count[idx]
    start = (pos[idx] + k / div) / STEPS_PER_BEAT
    dur = np.round(TICKS_PER_BEAT / STEPS_PER_BEAT / div) / TICKS_PER_BEAT
    total = grid.n_steps / STEPS_PER_BEAT
    # times on whole MIDI ticks so the JSON and the decoded MIDI agree exactly
    start = np.round(np.clip(start, 0.0, total - dur) * TICKS_PER_BEAT) / TICKS_PER_BEAT
    pitch = np.asarray(drum_map)[pieces[idx]]
    velocity = np.maximum(1, vel[idx] - 12 * (k % 2))
    # Same-pitch notes must not overlap in MIDI. Of equal starts keep the loudest (two pieces mapped
    # to one note, or timing pulling hits onto one tick), then cut each note short at the next.
    order = np.lexsort((-velocity, start, pitch))
    pitch, start, dur, velocity = pitch[order], start[order], dur[order], velocity[order]
    keep = np.r_[True, ~((pitch[1:] == pitch[:-1]) & (start[1:] == start[:-1]))]
    pitch, start, dur, velocity = pitch[keep], start[keep], dur[keep], velocity[keep]
    same_next = np.r_[pitch[1:] == pitch[:-1], False]
    gap = np.r_[start[1:] - start[:-1], np.inf]
    dur = np.where(same_next, np.round(np.minimum(dur, gap) * TICKS_PER_BEAT) / TICKS_PER_BEAT, dur)
    order = np.lexsort((pitch, start))
    return [Note(int(pitch[i]), float(start[i]), float(dur[i]), int(velocity[i])) for i in order]
