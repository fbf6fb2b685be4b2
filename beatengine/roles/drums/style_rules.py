"""The project's own drum style knowledge, for genres the Groove MIDI Dataset lacks.

Each genre is a programmed loop (`beatengine.roles.drums.style_patterns` holds the genre conventions
and their sources) arranged the way a producer arranges one. They produce labelled training material
(8-bar grids with fills), which the drum model learns next to the real GMD grooves.

The arrangement of a clip:
- the loop is drawn once: 1 or 2 bars (`LOOP_BARS`), its kit bars (kick, snare or clap, toms) for
  the whole part, its hat layer (8ths or 16ths, closed hats or ride, rolls) for a 4-bar phrase; a
  later phrase may draw a new hat layer (more likely the higher the variety), never a bar alone;
- every bar is a copy of loop bar `bar % loop length`, its velocities and microtiming re-jittered a
  little so the copies stay human;
- small variations (a hat roll, an open hat, a ghost snare, a hat accent) in some bars, a bigger one
  (a kick pickup change, a snare pickup in the last beat) in the last bar of a 4-bar phrase, both as
  likely as `variety` (0-1, `DEFAULT_VARIETY` per genre) says;
- fills on fill bars: the groove's first half, then a snare roll with a crescendo (house, techno,
  trap), a tom run (others) or triplet snares (trap, drill); a crash opens the next bar, and half the
  phrases open on one.
Outside fills the genre's anchors always play (`ANCHORS`): four on the floor in house and techno, the
backbeat on 2 and 4 in boom bap, lo-fi, drum and bass and house, the snare on beat 3 in trap and drill.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.grid import DrumGrid
from beatengine.roles.drums.style_patterns import Bar, Draw, Hit, hat_layer, kit_layer

RULE_GENRES: tuple[str, ...] = ("trap", "drill", "boom_bap", "lofi", "house", "techno",
                                "drum_and_bass")
TEMPO_RANGE: dict[str, tuple[int, int]] = {
    "trap": (130, 150), "drill": (138, 146), "boom_bap": (84, 98), "lofi": (70, 90),
    "house": (118, 128), "techno": (124, 140), "drum_and_bass": (165, 178),
}
# loop lengths a genre's loop is drawn from: a dance loop is one bar, trap and drill call and answer
# over two, the breakbeat genres do either
LOOP_BARS: dict[str, tuple[int, ...]] = {
    "trap": (2,), "drill": (2,), "boom_bap": (1, 2), "lofi": (1, 2), "house": (1,),
    "techno": (1,), "drum_and_bass": (1, 2),
}
# how much a genre's loop varies when the caller does not say (0 = a strict loop, 1 = restless)
# (at 0.2 a phrase's last bar changes its kick or snare one time in five and one bar in eight or so
# has a small variation; house and techno loops are the most hypnotic, drum and bass the busiest)
DEFAULT_VARIETY: dict[str, float] = {
    "trap": 0.2, "drill": 0.2, "boom_bap": 0.2, "lofi": 0.2, "house": 0.15, "techno": 0.15,
    "drum_and_bass": 0.25,
}
SMALL_RATE = 0.6      # at variety 1: the share of bars with a small variation
LAYER_CHANGE = 0.5    # at variety 1: the chance a phrase after the first draws a new hat layer
KICK_FLOOR = 40       # a drummer's softest kick
COPY_VELOCITY_SD = 4.0    # how much a loop copy's velocities differ from the loop's
COPY_TIMING_SD = 0.015    # ... and its microtiming, in steps
# per genre, 4/4: the hits no variation removes (piece -> steps)
ANCHORS: dict[str, dict[int, tuple[int, ...]]] = {
    "trap": {V.SNARE: (8,)}, "drill": {V.SNARE: (8,)},
    "boom_bap": {V.SNARE: (4, 12)}, "lofi": {V.SNARE: (4, 12)},
    "drum_and_bass": {V.SNARE: (4, 12)},
    "house": {V.KICK: (0, 4, 8, 12), V.SNARE: (4, 12)}, "techno": {V.KICK: (0, 4, 8, 12)},
}
# where a phrase's last bar may push a new kick pickup
END_KICKS: dict[str, tuple[int, ...]] = {
    "trap": (11, 14, 15), "drill": (13, 14, 11), "boom_bap": (11, 14, 15), "lofi": (11, 14, 15),
    "house": (14, 15), "techno": (14, 15), "drum_and_bass": (13, 14, 15),
}
GHOST_STEPS = (7, 9, 13, 15)


@dataclass
class Groove:
    """A rule-made clip and how it was arranged."""
    grid: DrumGrid
    bpm: int
    loop_bars: int
    variations: list[list[str]] = field(default_factory=list)   # per bar, the variations played


# ---- variations: each changes a bar's copy of the loop; False where it finds no place -----------

def _hat_roll(b: Bar, r: Draw, genre: str) -> bool:
    spots = [s for s in (3, 7, 11, 14, 15) if s < b.steps and not b.has(s, V.HH_ROLL)]
    if not spots:
        return False
    b.add(r.one(spots), V.HH_ROLL, 68, r.off(0, 0.02), r.one(V.ROLL_DIVISIONS))
    return True


def _open_hat(b: Bar, r: Draw, genre: str) -> bool:
    spots = [s for s in range(2, b.steps, 4) if not b.has(s, V.OPEN_HH)]
    if not spots:
        return False
    s = r.one(spots)
    b.hits.pop((s, V.CLOSED_HH), None)
    b.add(s, V.OPEN_HH, 80, r.off())
    return True


def _ghost_snare(b: Bar, r: Draw, genre: str) -> bool:
    spots = [s for s in GHOST_STEPS if s < b.steps and not b.has(s, V.SNARE)]
    if not spots:
        return False
    b.add(r.one(spots), V.SNARE, 38, r.off(0.1))
    return True


def _hat_accent(b: Bar, r: Draw, genre: str) -> bool:
    spots = [k for k in b.hits if k[1] in (V.CLOSED_HH, V.RIDE) and k[0] % 4]
    if not spots:
        return False
    key = spots[int(r.rng.integers(len(spots)))]
    hit = b.hits[key]
    b.hits[key] = Hit(min(127.0, hit.vel + 22), hit.offset, hit.roll)
    return True


def _kick_pickup(b: Bar, r: Draw, genre: str) -> bool:
    """Move the bar's last kick pickup (or add one) to a new late spot."""
    anchors = ANCHORS[genre].get(V.KICK, ()) if b.steps == 16 else ()
    spots = [s for s in END_KICKS[genre] if s < b.steps and not b.has(s, V.KICK)]
    if not spots:
        return False
    late = [s for s in b.steps_of(V.KICK) if s >= b.steps // 2 and s not in anchors]
    if late and r.chance(0.5):
        del b.hits[(late[-1], V.KICK)]
    b.add(r.one(spots), V.KICK, 96, r.off())
    return True


def _snare_pickup(b: Bar, r: Draw, genre: str) -> bool:
    """One or two snares in the last beat, rising into the next phrase."""
    spots = [s for s in range(b.steps - 3, b.steps) if not b.has(s, V.SNARE)]
    if not spots:
        return False
    for i, s in enumerate(r.pick(spots, 1 + int(r.chance(0.5)))):
        b.add(s, V.SNARE, 62 + 20 * i, r.off())
    return True


Variation = Callable[[Bar, Draw, str], bool]
SMALL_VARIATIONS: dict[str, tuple[Variation, ...]] = {
    "trap": (_hat_roll, _open_hat, _ghost_snare, _hat_accent),
    "drill": (_hat_roll, _open_hat, _ghost_snare, _hat_accent),
    "boom_bap": (_ghost_snare, _open_hat, _hat_accent),
    "lofi": (_ghost_snare, _open_hat, _hat_accent),
    "house": (_hat_accent, _ghost_snare, _open_hat),
    "techno": (_hat_accent, _open_hat, _ghost_snare),
    "drum_and_bass": (_ghost_snare, _hat_accent, _open_hat, _hat_roll),
}
PHRASE_END_VARIATIONS: tuple[Variation, ...] = (_kick_pickup, _snare_pickup)


# how often each small variation comes up against the others: producers vary the hats most
SMALL_WEIGHT: dict[Variation, float] = {_hat_roll: 1.0, _open_hat: 1.0, _hat_accent: 1.0,
                                        _ghost_snare: 0.5}


def _apply_one(menu: tuple[Variation, ...], b: Bar, r: Draw, genre: str) -> str | None:
    """The first of `menu`, drawn in the order of `SMALL_WEIGHT`, that finds a place in the bar;
    its name."""
    w = np.array([SMALL_WEIGHT.get(f, 1.0) for f in menu])
    for i in r.rng.choice(len(menu), size=len(menu), replace=False, p=w / w.sum()):
        if menu[i](b, r, genre):
            return menu[i].__name__.lstrip("_")
    return None


def _vary(b: Bar, r: Draw, genre: str, variety: float, phrase_end: bool) -> list[str]:
    names = []
    if r.chance(SMALL_RATE * variety):
        names.append(_apply_one(SMALL_VARIATIONS[genre], b, r, genre))
    if phrase_end and r.chance(variety):
        names.append(_apply_one(PHRASE_END_VARIATIONS, b, r, genre))
    return [n for n in names if n]


# ---- fills and writing ---------------------------------------------------------------------------

def _fill(b: Bar, r: Draw, genre: str) -> None:
    """Replace the second half of the bar with a fill."""
    n = b.steps
    half = n // 2
    b.hits = {k: h for k, h in b.hits.items() if k[0] < half}
    kind = r.rng.choice(["roll", "toms", "triplet"], p={
        "house": [0.8, 0.2, 0.0], "techno": [0.8, 0.2, 0.0], "trap": [0.4, 0.1, 0.5],
        "drill": [0.2, 0.4, 0.4]}.get(genre, [0.3, 0.7, 0.0]))
    kick_beat = 1 if genre == "drill" else 0   # drill's 808 keeps off the beat, even in a fill
    for i, step in enumerate(range(half, n)):
        if kind == "roll":
            if step % 2 == 0 or r.chance(0.4 + 0.5 * r.d):
                b.add(step, V.SNARE, 55 + 60 * i / (n - half), r.off())
        elif kind == "toms":
            piece = (V.HIGH_TOM, V.MID_TOM, V.LOW_TOM)[min(2, 3 * i // (n - half))]
            if step % 2 == 0 or r.chance(0.3 + 0.5 * r.d):
                b.add(step, V.SNARE if r.chance(0.2) else piece, 85 + 3 * i, r.off())
        elif step % 4 == 0 and step + 3 < n:
            for k, off in ((0, 0.0), (1, 0.333), (3, -0.333)):
                b.add(step + k, V.SNARE, 80 + 4 * i, r.off(off, 0.02))
        if step % 4 == kick_beat and r.chance(0.5):
            b.add(step, V.KICK, 100, r.off())


def _write(grid: DrumGrid, bar: int, b: Bar, rng: np.random.Generator, loud: float) -> None:
    """Put one bar's copy of the loop on the grid, a little re-jittered."""
    base = bar * grid.steps_per_bar
    for (step, piece), h in b.hits.items():
        t = base + step
        vel = h.vel * loud + rng.normal(0, COPY_VELOCITY_SD)
        vel = max(vel, KICK_FLOOR) if piece == V.KICK else vel
        grid.hits[t, piece] = True
        grid.velocity[t, piece] = int(np.clip(vel, 1, 127))
        grid.offset[t, piece] = float(np.clip(h.offset + rng.normal(0, COPY_TIMING_SD), -0.5, 0.49))
        if h.roll:
            grid.roll_div[t] = h.roll


def compose(genre: str, rng: np.random.Generator, n_bars: int = 8, meter: str = "4/4",
            fill_every: int = 4, density: float | None = None, variety: float | None = None
            ) -> Groove:
    """One rule-made groove and how it was arranged (see the module docstring)."""
    if genre not in RULE_GENRES:
        raise ValueError(f"no style rules for genre {genre!r}")
    grid = DrumGrid.empty(meter, n_bars)
    d = float(rng.random()) if density is None else density
    v = DEFAULT_VARIETY[genre] if variety is None else float(variety)
    loud = float(rng.uniform(0.85, 1.05)) if genre != "lofi" else float(rng.uniform(0.7, 0.9))
    r = Draw(rng, d, grid.steps_per_bar, int(rng.choice(LOOP_BARS[genre])))
    kit, draw_hats = kit_layer(genre, meter)(r), hat_layer(genre, meter)
    hats = draw_hats(r)
    groove = Groove(grid, 0, r.loop_bars)
    crash_next = False
    for bar in range(n_bars):
        in_phrase = bar % V.PHRASE_BARS
        if in_phrase == 0 and bar and r.chance(LAYER_CHANGE * v):
            hats = draw_hats(r)
        b = kit[bar % r.loop_bars] + hats[bar % r.loop_bars]
        is_fill = bool(fill_every) and (bar + 1) % fill_every == 0
        groove.variations.append(
            [] if is_fill else _vary(b, r, genre, v, in_phrase == V.PHRASE_BARS - 1))
        if crash_next or (in_phrase == 0 and r.chance(0.5 if meter == "4/4" else 0.4)):
            b.add(0, V.CRASH, 105 if crash_next else 100, r.off())
        if is_fill:
            grid.fill_bars[bar] = True
            _fill(b, r, genre)
        crash_next = is_fill
        _write(grid, bar, b, rng, loud)
    lo, hi = TEMPO_RANGE[genre]
    groove.bpm = int(rng.integers(lo, hi + 1))
    return groove


def generate(genre: str, rng: np.random.Generator, n_bars: int = 8, meter: str = "4/4",
             fill_every: int = 4, density: float | None = None, variety: float | None = None
             ) -> tuple[DrumGrid, int]:
    """One rule-made groove: (grid, bpm). `fill_every` = 0 means no fills; `variety` (0-1) how much
    the copies of the loop vary (None: the genre's `DEFAULT_VARIETY`)."""
    groove = compose(genre, rng, n_bars, meter, fill_every, density, variety)
    return groove.grid, groove.bpm
