"""The project's own drum style knowledge, for genres the Groove MIDI Dataset lacks.

Each genre is a set of documented pattern rules with randomised variation. They produce labelled
training material (8-bar grids with fills), which the drum model learns next to the real GMD grooves.

Rules, per genre (steps are 16ths, 0-15 in a 4/4 bar):
- trap (130-150 BPM, half-time feel): snare/clap on step 8 (beat 3); 808-style kick on 0 plus
  syncopated pickups (3, 6, 7, 10, 11, 14); 8th or 16th hats with ratchet rolls (2 or 3 hits in a
  step) and 8th-note triplet runs; sparse ghost snares; an open hat before the bar line.
- drill (138-146): snare on step 8 and often a late snare on 15 or 3 of the next bar; sliding,
  off-grid kicks (0 then 3/6/10/11/14); triplet-swung hats with rolls.
- boom_bap (84-98): kick on 0 and 10 (pickups 7, 11, 14), snare on 4 and 12 with ghost notes,
  8th hats swung late by a fifth of a step, accents on the beat.
- lofi (70-90): boom-bap skeleton, softer and sparser, heavy swing, the snare laid back behind the
  beat, ride or closed hats at low velocity.
- house (118-128): four-on-the-floor kick, clap on 4 and 12, open hat on every off-beat 8th, optional
  16th closed hats with off-beat accents; crashes at phrase starts.
- techno (124-140): four-on-the-floor kick with soft "rumble" ghost kicks, driving 16th hats accented
  on the off-beats, open hats, sparse claps, toms as percussion.
- drum_and_bass (165-178): two-step: kick on 0 and 10 (or 11), snare on 4 and 12, ghost snares,
  16th hats or ride, rolling fills.
- 3/4 and 6/8 (every genre): kick on 1, backbeat on beat 2/3 (3/4) or on the 4th eighth (6/8), 8th hats,
  seasoned with the genre's rolls and ghosts.
Fills (bars flagged as fills): the groove's first half, then a snare roll with a crescendo (house,
techno, trap), a tom run (others) or triplet snares (trap, drill); a crash opens the next bar.
"""

from collections.abc import Callable

import numpy as np

from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.grid import DrumGrid

RULE_GENRES: tuple[str, ...] = ("trap", "drill", "boom_bap", "lofi", "house", "techno",
                                "drum_and_bass")
TEMPO_RANGE: dict[str, tuple[int, int]] = {
    "trap": (130, 150), "drill": (138, 146), "boom_bap": (84, 98), "lofi": (70, 90),
    "house": (118, 128), "techno": (124, 140), "drum_and_bass": (165, 178),
}


class _DrumBar:
    """Writes hits into one bar of a grid."""

    def __init__(self, grid: DrumGrid, bar: int, rng: np.random.Generator, loudness: float):
        self.grid, self.rng, self.loud = grid, rng, loudness
        self.base = bar * grid.steps_per_bar

    def hit(self, step: int, piece: int, vel: float, offset: float = 0.0, jitter: float = 0.04,
            roll: int = 0) -> None:
        t = self.base + step
        v = int(np.clip(vel * self.loud + self.rng.normal(0, 6), 1, 127))
        self.grid.hits[t, piece] = True
        self.grid.velocity[t, piece] = v
        self.grid.offset[t, piece] = float(np.clip(offset + self.rng.normal(0, jitter), -0.5, 0.49))
        if roll:
            self.grid.roll_div[t] = roll
            self.grid.hits[t, V.CLOSED_HH] = False

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)


def _hats(b: _DrumBar, d: float, every: int, swing: float = 0.0, vel: float = 80, accent: float = 18,
          rolls: float = 0.0, triplets: float = 0.0, piece: int = V.CLOSED_HH) -> None:
    n = b.grid.steps_per_bar
    step = 0
    while step < n:
        if triplets and step % 4 == 0 and step + 3 < n and b.chance(triplets):
            for k, off in ((0, 0.0), (1, 0.333), (3, -0.333)):   # 8th-note triplets over a beat
                b.hit(step + k, piece, vel, off, 0.02)
            step += 4
            continue
        if rolls and b.chance(rolls):
            b.hit(step, V.HH_ROLL, vel - 8, 0.0, 0.02, roll=int(b.rng.choice(V.ROLL_DIVISIONS)))
        elif every == 1 or step % every == 0 or b.chance(d * 0.15):
            off = swing if step % 4 == 2 and every == 2 else (swing * 0.6 if step % 2 else 0.0)
            b.hit(step, piece, vel + (accent if step % 4 == 0 else 0), off)
        step += 1


def _fill(b: _DrumBar, genre: str, d: float) -> None:
    """Overwrite the second half of the bar with a fill."""
    n = b.grid.steps_per_bar
    half = n // 2
    b.grid.hits[b.base + half:b.base + n] = False
    b.grid.roll_div[b.base + half:b.base + n] = 0
    kind = b.rng.choice(["roll", "toms", "triplet"], p={
        "house": [0.8, 0.2, 0.0], "techno": [0.8, 0.2, 0.0], "trap": [0.4, 0.1, 0.5],
        "drill": [0.3, 0.2, 0.5]}.get(genre, [0.3, 0.7, 0.0]))
    for i, step in enumerate(range(half, n)):
        if kind == "roll":
            if step % 2 == 0 or b.chance(0.4 + 0.5 * d):
                b.hit(step, V.SNARE, 55 + 60 * i / (n - half))
        elif kind == "toms":
            piece = (V.HIGH_TOM, V.MID_TOM, V.LOW_TOM)[min(2, 3 * i // (n - half))]
            if step % 2 == 0 or b.chance(0.3 + 0.5 * d):
                b.hit(step, V.SNARE if b.chance(0.2) else piece, 85 + 3 * i)
        elif step % 4 == 0 and step + 3 < n:
            for k, off in ((0, 0.0), (1, 0.333), (3, -0.333)):
                b.hit(step + k, V.SNARE, 80 + 4 * i, off, 0.02)
        if step % 4 == 0 and b.chance(0.5):
            b.hit(step, V.KICK, 100)


def _trap_drill(b: _DrumBar, g: str, d: float) -> None:
    b.hit(0, V.KICK, 110)
    pickups = (3, 6, 7, 10, 11, 14) if g == "trap" else (3, 6, 10, 11, 14)
    for s in pickups:
        if b.chance(0.15 + 0.35 * d):
            b.hit(s, V.KICK, 100, 0.05 if g == "drill" else 0.0)
    b.hit(8, V.SNARE, 112)
    if g == "drill" and b.chance(0.6):
        b.hit(15 if b.chance(0.5) else 3, V.SNARE, 100)
    if b.chance(0.3 * d):
        b.hit(int(b.rng.choice([5, 13, 15])), V.SNARE, 40)
    _hats(b, d, 2 if b.chance(0.5 - 0.3 * d) else 1, swing=0.12 if g == "drill" else 0.0,
          vel=78, rolls=0.08 + 0.12 * d, triplets=0.15 if g == "trap" else 0.3)
    if b.chance(0.3):
        b.hit(14, V.OPEN_HH, 80)


def _boom_bap_lofi(b: _DrumBar, g: str, d: float) -> None:
    soft = 0.8 if g == "lofi" else 1.0
    b.hit(0, V.KICK, 110 * soft)
    b.hit(10, V.KICK, 100 * soft)
    for s in (7, 11, 14, 3):
        if b.chance(0.1 + 0.3 * d):
            b.hit(s, V.KICK, 90 * soft)
    lay = 0.12 if g == "lofi" else 0.03
    b.hit(4, V.SNARE, 108 * soft, lay)
    b.hit(12, V.SNARE, 110 * soft, lay)
    for s in (7, 9, 15):
        if b.chance(0.1 + 0.3 * d):
            b.hit(s, V.SNARE, 35 * soft, 0.15)
    swing = 0.3 if g == "lofi" else 0.2
    piece = V.RIDE if g == "lofi" and b.chance(0.2) else V.CLOSED_HH
    _hats(b, d, 2, swing=swing, vel=70 * soft, accent=15, piece=piece)


def _house_techno(b: _DrumBar, g: str, d: float) -> None:
    for s in (0, 4, 8, 12):
        b.hit(s, V.KICK, 115, 0.0, 0.015)
    if g == "house" or b.chance(0.5):
        b.hit(4, V.SNARE, 100)
        b.hit(12, V.SNARE, 102)
    for s in (2, 6, 10, 14):
        if g == "house" or b.chance(0.6):
            b.hit(s, V.OPEN_HH, 85)
    if b.chance(0.3 + 0.6 * d):
        for s in range(16):
            if s % 4 != 2:
                b.hit(s, V.CLOSED_HH, 60 + (25 if s % 2 else 0))
    if g == "techno":
        for s in (3, 7, 11, 15):
            if b.chance(0.2 + 0.3 * d):
                b.hit(s, V.KICK, 50)
        if b.chance(0.2 * d):
            b.hit(int(b.rng.choice([6, 14])), V.HIGH_TOM, 70)
    elif b.chance(0.2):
        b.hit(int(b.rng.choice([7, 15])), V.SNARE, 55)


def _drum_and_bass(b: _DrumBar, g: str, d: float) -> None:
    b.hit(0, V.KICK, 115)
    b.hit(10 if b.chance(0.6) else 11, V.KICK, 105)
    if b.chance(0.3 * d):
        b.hit(int(b.rng.choice([2, 7, 13])), V.KICK, 90)
    b.hit(4, V.SNARE, 115)
    b.hit(12, V.SNARE, 115)
    for s in (7, 9, 14, 15):
        if b.chance(0.1 + 0.35 * d):
            b.hit(s, V.SNARE, 40)
    _hats(b, d, 2 if b.chance(0.5) else 1, vel=70, accent=12,
          piece=V.RIDE if b.chance(0.25) else V.CLOSED_HH)


_GROOVES_44: dict[str, Callable[[_DrumBar, str, float], None]] = {
    "trap": _trap_drill, "drill": _trap_drill, "boom_bap": _boom_bap_lofi, "lofi": _boom_bap_lofi,
    "house": _house_techno, "techno": _house_techno, "drum_and_bass": _drum_and_bass,
}


def _groove_44(b: _DrumBar, genre: str, d: float, bar_in_phrase: int) -> None:
    _GROOVES_44[genre](b, genre, d)
    if bar_in_phrase == 0 and b.chance(0.5):
        b.hit(0, V.CRASH, 100)


def _groove_triple(b: _DrumBar, genre: str, d: float, bar_in_phrase: int) -> None:
    """3/4 and 6/8 bars (12 steps)."""
    six_eight = b.grid.meter == "6/8"
    b.hit(0, V.KICK, 110)
    if six_eight:
        b.hit(6, V.SNARE, 108)
        if b.chance(0.5 * d):
            b.hit(10, V.KICK, 90)
    else:
        b.hit(4, V.SNARE, 100)
        b.hit(8, V.SNARE, 100)
        if b.chance(0.4 * d):
            b.hit(6, V.KICK, 90)
    rolls = 0.12 if genre in ("trap", "drill") else 0.0
    swing = 0.25 if genre in ("boom_bap", "lofi") else 0.0
    _hats(b, d, 2 if b.chance(0.7 - 0.4 * d) else 1, swing=swing, vel=72, rolls=rolls)
    if bar_in_phrase == 0 and b.chance(0.4):
        b.hit(0, V.CRASH, 100)


GROOVES: dict[str, Callable[[_DrumBar, str, float, int], None]] = {
    "4/4": _groove_44, "3/4": _groove_triple, "6/8": _groove_triple,
}


def generate(genre: str, rng: np.random.Generator, n_bars: int = 8, meter: str = "4/4",
             fill_every: int = 4, density: float | None = None) -> tuple[DrumGrid, int]:
    """One rule-made groove: (grid, bpm). `fill_every` = 0 means no fills."""
    if genre not in RULE_GENRES:
        raise ValueError(f"no style rules for genre {genre!r}")
    grid = DrumGrid.empty(meter, n_bars)
    d = float(rng.random()) if density is None else density
    loud = float(rng.uniform(0.85, 1.05)) if genre != "lofi" else float(rng.uniform(0.7, 0.9))
    for bar in range(n_bars):
        b = _DrumBar(grid, bar, rng, loud)
        GROOVES[meter](b, genre, d, bar % V.PHRASE_BARS)
        if fill_every and (bar + 1) % fill_every == 0:
            grid.fill_bars[bar] = True
            _fill(b, genre, d)
            if bar + 1 < n_bars:
                _DrumBar(grid, bar + 1, rng, loud).hit(0, V.CRASH, 105)
    lo, hi = TEMPO_RANGE[genre]
    return grid, int(rng.integers(lo, hi + 1))
