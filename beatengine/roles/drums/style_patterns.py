"""The loop each rule genre programs: its kit bars (kick, snare or clap, toms) and its hat layer, as a
producer draws them once and then repeats them (`beatengine.roles.drums.style_rules` arranges them).

Steps are 16ths, 0-15 in a 4/4 bar; trap and drill are written at their full tempo (130-150), so the
half-time backbeat is step 8 (beat 3). The conventions, per genre:
- trap: clap/snare on beat 3 of every bar; an 808 kick on 1 plus syncopated pickups (3, 6, 7, 10, 11,
  14), the second loop bar moving one of them; steady 8th or 16th hats with ratchet rolls (2 or 3 hits
  in a step) and 8th-note triplet runs ("Trap hats: 4 hi-hat techniques every trap producer uses",
  ch41rm4n.com: triplets, rolls, pitch and swing; "How to program mixed-resolution, trap-style hi-hat
  patterns", musicradar.com; the half-time snare on 3 and the sparse syncopated 808 line:
  "Hip-hop 808 translation", drum.town/lessons/hiphop-808-translation).
- drill (UK/NY, 138-146; "Drill vs. Trap", thisvsthat.io, and the 142 BPM "UK Drill in Sonic Pi"
  gist by interstar): the snare on beat 3 plus a displaced second snare late in the bar (the 'a' of 4,
  the 'e' of 4, the 'a' of 3) or early in the next (the 'a' of 1), placed differently in the two loop
  bars; sparse kicks off trap's 808 spots (the 'e' of 2, the 'e' of 3 right after the snare, the 'e'
  of 4), the second bar's downbeat often left to the sliding 808 of the first (the "classic 808
  slide", "Gangsta rap made me do it BPM", killotaste.blogg.se); skippy hats in 8th-note triplet
  cells with gaps (drill beats "often have scattered and unpredictable hats", emastered.com's trap
  hi-hat patterns guide, emastered.com/sv/blog/trap-hi-hat-patterns, translated).
- boom_bap (84-98): kick on 1 and the '+' of 3 (pickups 7, 11, 14, 3), snare on 2 and 4 a hair late,
  ghost snares, 8th hats swung late by a fifth of a step with the beats accented.
- lofi (70-90): the boom-bap skeleton softer and sparser, heavier swing, the snare laid back behind
  the beat, closed hats or a ride at low velocity.
- house (118-128): four on the floor, clap on 2 and 4, an open hat on every off-beat 8th, optionally
  16th closed hats accented off the beat.
- techno (124-140): four on the floor; for the whole part: soft "rumble" ghost kicks, claps or none,
  toms as percussion; driving 16th hats accented off the beat, open off-beat hats.
- drum_and_bass (165-178): two-step: kick on 1 and step 10 (or 11), snare on 2 and 4, ghost snares,
  8th or 16th hats or a ride.
- 3/4 and 6/8 (every genre): kick on 1, backbeat on beats 2 and 3 (3/4) or the 4th eighth (6/8), the
  genre's swing, rolls and ghost notes.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from beatengine.roles.drums import vocab as V

TRAP_KICK_PICKUPS = (3, 6, 7, 10, 11, 14)
DRILL_KICK_PICKUPS = (5, 9, 13, 2)        # off trap's 808 spots
DRILL_LATE_SNARES = (15, 13, 11)          # 'a' of 4, 'e' of 4, 'a' of 3
DRILL_SECOND_BAR_SNARES = (15, 13, 11, 3)  # ...or the 'a' of 1
# 8th-note triplet cells over one beat (positions 0, 1, 2 of the triplet), gaps included
DRILL_HAT_CELLS: tuple[tuple[int, ...], ...] = ((0,), (0, 1), (0, 2), (1, 2), (0, 1, 2), ())
TRIPLET = ((0, 0.0), (1, 0.333), (3, -0.333))   # (step, offset) of each triplet 8th in a beat
T = TypeVar("T")


@dataclass(frozen=True)
class Hit:
    vel: float
    offset: float = 0.0
    roll: int = 0   # hits in the step of an HH_ROLL


class Bar:
    """One bar of a pattern: hits keyed by (step, piece), velocities before the clip's loudness."""

    def __init__(self, steps: int, hits: dict[tuple[int, int], Hit] | None = None):
        self.steps = steps
        self.hits: dict[tuple[int, int], Hit] = dict(hits or {})

    def add(self, step: int, piece: int, vel: float, offset: float = 0.0, roll: int = 0) -> None:
        self.hits[(step, piece)] = Hit(vel, offset, roll)
        if piece == V.HH_ROLL:   # a roll is the closed hat played fast, never beside it
            self.hits.pop((step, V.CLOSED_HH), None)

    def has(self, step: int, piece: int) -> bool:
        return (step, piece) in self.hits

    def steps_of(self, piece: int) -> list[int]:
        return sorted(s for s, p in self.hits if p == piece)

    def copy(self) -> "Bar":
        return Bar(self.steps, self.hits)

    def __add__(self, other: "Bar") -> "Bar":
        return Bar(self.steps, {**self.hits, **other.hits})


class Draw:
    """The random choices of a loop: each hit gets its own human offset once, when it is drawn."""

    def __init__(self, rng: np.random.Generator, d: float, steps: int, loop_bars: int):
        self.rng, self.d, self.steps, self.loop_bars = rng, d, steps, loop_bars

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def pick(self, options: Sequence[T], k: int = 1) -> list[T]:
        """`k` of `options` (all where fewer), in their order."""
        idx = self.rng.choice(len(options), size=min(k, len(options)), replace=False)
        return [options[i] for i in sorted(idx)]

    def one(self, options: Sequence[T]) -> T:
        return options[int(self.rng.integers(len(options)))]

    def off(self, base: float = 0.0, spread: float = 0.04) -> float:
        return base + float(self.rng.normal(0, spread))

    def bars(self) -> list[Bar]:
        return [Bar(self.steps) for _ in range(self.loop_bars)]


def straight_hats(r: Draw, bar: Bar, every: int, vel: float, accent: float = 18, swing: float = 0.0,
                  piece: int = V.CLOSED_HH, extra: float = 0.0) -> None:
    """8ths (every=2) or 16ths (every=1), accented on the beat, the off 16ths swung late; `extra`:
    the chance of an added 16th in an 8th pattern."""
    for s in range(bar.steps):
        if s % every == 0 or r.chance(extra):
            late = swing if s % 4 == 2 and every == 2 else (swing * 0.6 if s % 2 else 0.0)
            bar.add(s, piece, vel + (accent if s % 4 == 0 else 0), r.off(late, 0.02))


# ---- trap / drill ------------------------------------------------------------------------------

def trap_kit(r: Draw) -> list[Bar]:
    bars = r.bars()
    pickups = r.pick(TRAP_KICK_PICKUPS, 1 + int(round(2 * r.d)))
    for i, bar in enumerate(bars):
        if i:   # the second loop bar moves one 808 pickup
            moved = [s for s in TRAP_KICK_PICKUPS if s not in pickups]
            pickups = sorted({*pickups[1:], *r.pick(moved)})
        bar.add(0, V.KICK, 110, r.off())
        for s in pickups:
            bar.add(s, V.KICK, 100, r.off())
        bar.add(8, V.SNARE, 112, r.off())
    if r.chance(0.5 * r.d):
        bars[-1].add(r.one([5, 13, 15]), V.SNARE, 42, r.off(0.05))
    return bars


def trap_hats(r: Draw) -> list[Bar]:
    """Steady 8ths or 16ths, each loop bar with its ratchet rolls and maybe a triplet run."""
    every = 1 if r.chance(0.4 + 0.3 * r.d) else 2
    bars = r.bars()
    for bar in bars:
        straight_hats(r, bar, every, 78)
        run = range(0)
        if r.chance(0.35 + 0.3 * r.d):
            beat = r.one([4, 12])
            run = range(beat, beat + 4)
            for s in run:
                bar.hits.pop((s, V.CLOSED_HH), None)
            for k, off in TRIPLET:
                bar.add(beat + k, V.CLOSED_HH, 78, r.off(off, 0.02))
        for s in r.pick([3, 7, 11, 14, 15], 1 + int(r.d > 0.5)):
            if s not in run:
                bar.add(s, V.HH_ROLL, 70, r.off(0, 0.02), r.one(V.ROLL_DIVISIONS))
    if r.chance(0.3):
        bars[-1].add(14, V.OPEN_HH, 80, r.off())
    return bars


def drill_kit(r: Draw) -> list[Bar]:
    bars = r.bars()
    seconds = [r.one(DRILL_LATE_SNARES)]
    seconds.append(r.one([s for s in DRILL_SECOND_BAR_SNARES if s != seconds[0]]))
    # half the loops let the first bar's last 808 slide across the bar line instead of striking 1
    slide = r.chance(0.5)
    for i, bar in enumerate(bars):
        if not (i and slide):
            bar.add(0, V.KICK, 108, r.off(0.03))
        # the 808 comes in a touch late; two sparse kicks per bar, off trap's spots
        for s in r.pick(DRILL_KICK_PICKUPS, 2):
            bar.add(s, V.KICK, 98, r.off(0.06))
        bar.add(8, V.SNARE, 110, r.off())
        bar.add(seconds[i % 2], V.SNARE, 100, r.off())
    return bars


def drill_hats(r: Draw) -> list[Bar]:
    """Triplet cells per beat with gaps; every bar of the loop its own cells, a roll now and then."""
    bars = r.bars()
    for bar in bars:
        for beat in range(0, bar.steps, 4):
            cell = DRILL_HAT_CELLS[int(r.rng.choice(len(DRILL_HAT_CELLS),
                                                    p=[0.2, 0.2, 0.2, 0.15, 0.15, 0.1]))]
            for k in cell:
                step, off = TRIPLET[k]
                bar.add(beat + step, V.CLOSED_HH, 74 + (14 if k == 0 else 0), r.off(off, 0.02))
        if r.chance(0.3 + 0.3 * r.d):
            bar.add(r.one([6, 14]), V.HH_ROLL, 68, r.off(0, 0.02), 3)
    return bars


# ---- boom bap / lo-fi ----------------------------------------------------------------------------

def boom_bap_kit(r: Draw, soft: float = 1.0, lay: float = 0.03) -> list[Bar]:
    bars = r.bars()
    ghosts = [s for s in (7, 9, 15) if r.chance(0.15 + 0.35 * r.d)]
    for i, bar in enumerate(bars):
        bar.add(0, V.KICK, 110 * soft, r.off())
        bar.add(10, V.KICK, 100 * soft, r.off())
        pickups = [s for s in (7, 11, 14, 3) if r.chance(0.1 + 0.3 * r.d)]
        if i and not pickups:   # a two-bar loop differs in its second bar
            pickups = r.pick([7, 11, 14, 3])
        for s in pickups:
            bar.add(s, V.KICK, 90 * soft, r.off())
        bar.add(4, V.SNARE, 108 * soft, r.off(lay))
        bar.add(12, V.SNARE, 110 * soft, r.off(lay))
        for s in ghosts:
            bar.add(s, V.SNARE, 35 * soft, r.off(0.15))
    return bars


def boom_bap_hats(r: Draw) -> list[Bar]:
    bars = r.bars()
    for bar in bars:
        straight_hats(r, bar, 2, 70, 15, swing=0.2, extra=0.1 * r.d)
    if r.chance(0.3):
        bars[-1].add(14, V.OPEN_HH, 70, r.off(0.2))
    return bars


def lofi_kit(r: Draw) -> list[Bar]:
    return boom_bap_kit(r, soft=0.8, lay=0.12)


def lofi_hats(r: Draw) -> list[Bar]:
    piece = V.RIDE if r.chance(0.3) else V.CLOSED_HH
    bars = r.bars()
    for bar in bars:
        straight_hats(r, bar, 2, 56, 12, swing=0.3, piece=piece)
        if r.chance(0.4):   # sparser: one off-beat 8th left out
            bar.hits.pop((r.one([6, 14]), piece), None)
    return bars


# ---- house / techno ------------------------------------------------------------------------------

def four_on_the_floor(r: Draw, bar: Bar) -> None:
    for s in range(0, 16, 4):
        bar.add(s, V.KICK, 115, r.off(0, 0.015))


def house_kit(r: Draw) -> list[Bar]:
    bars = r.bars()
    extra = r.one([7, 15]) if r.chance(0.25) else None
    for bar in bars:
        four_on_the_floor(r, bar)
        bar.add(4, V.SNARE, 100, r.off())
        bar.add(12, V.SNARE, 102, r.off())
        if extra is not None:
            bar.add(extra, V.SNARE, 55, r.off())
    return bars


def sixteenth_hats(r: Draw, bar: Bar) -> None:
    """16th closed hats around the open off-beat 8ths, the off 16ths accented."""
    for s in range(16):
        if s % 4 != 2:
            bar.add(s, V.CLOSED_HH, 60 + (25 if s % 2 else 0), r.off(0, 0.02))


def house_hats(r: Draw) -> list[Bar]:
    sixteenths = r.chance(0.3 + 0.6 * r.d)
    bars = r.bars()
    for bar in bars:
        for s in (2, 6, 10, 14):
            bar.add(s, V.OPEN_HH, 85, r.off())
        if sixteenths:
            sixteenth_hats(r, bar)
    return bars


def techno_kit(r: Draw) -> list[Bar]:
    """Rumble, claps and percussion toms are chosen once for the part."""
    rumble = [s for s in (3, 7, 11, 15) if r.chance(0.3 + 0.4 * r.d)] if r.chance(0.6) else []
    claps = r.one([(4, 12), (12,), ()])
    tom = r.one([6, 14]) if r.chance(0.2 + 0.3 * r.d) else None
    bars = r.bars()
    for bar in bars:
        four_on_the_floor(r, bar)
        for s in rumble:
            bar.add(s, V.KICK, 50, r.off(0, 0.015))
        for s in claps:
            bar.add(s, V.SNARE, 100, r.off())
        if tom is not None:
            bar.add(tom, V.HIGH_TOM, 70, r.off())
    return bars


def techno_hats(r: Draw) -> list[Bar]:
    sixteenths = r.chance(0.5 + 0.4 * r.d)
    opens = r.chance(0.7)
    bars = r.bars()
    for bar in bars:
        if opens:
            for s in (2, 6, 10, 14):
                bar.add(s, V.OPEN_HH, 85, r.off())
        if sixteenths or not opens:
            sixteenth_hats(r, bar)
    return bars


# ---- drum and bass -------------------------------------------------------------------------------

def drum_and_bass_kit(r: Draw) -> list[Bar]:
    bars = r.bars()
    second = 10 if r.chance(0.6) else 11
    ghosts = [s for s in (7, 9, 14, 15) if r.chance(0.1 + 0.35 * r.d)]
    for i, bar in enumerate(bars):
        bar.add(0, V.KICK, 115, r.off())
        bar.add(second, V.KICK, 105, r.off())
        if i:   # the second bar of a two-bar two-step pushes an extra kick
            bar.add(r.one([2, 7, 13]), V.KICK, 92, r.off())
        bar.add(4, V.SNARE, 115, r.off())
        bar.add(12, V.SNARE, 115, r.off())
        for s in ghosts:
            bar.add(s, V.SNARE, 40, r.off())
    return bars


def drum_and_bass_hats(r: Draw) -> list[Bar]:
    every = 1 if r.chance(0.5) else 2
    piece = V.RIDE if r.chance(0.25) else V.CLOSED_HH
    bars = r.bars()
    for bar in bars:
        straight_hats(r, bar, every, 70, 12, piece=piece)
    return bars


# ---- 3/4 and 6/8 ---------------------------------------------------------------------------------

def make_triple_kit(genre: str, six_eight: bool) -> Callable[[Draw], list[Bar]]:
    def kit(r: Draw) -> list[Bar]:
        bars = r.bars()
        ghost = [9, 11] if genre in ("boom_bap", "lofi", "drum_and_bass") and r.chance(r.d) else []
        for i, bar in enumerate(bars):
            bar.add(0, V.KICK, 110, r.off())
            backbeat, pickup = ((6,), 10) if six_eight else ((4, 8), 6)
            for s in backbeat:
                bar.add(s, V.SNARE, 105, r.off())
            if r.chance(0.5 * r.d) or (i and not bars[0].has(pickup, V.KICK)):
                bar.add(pickup, V.KICK, 90, r.off())
            for s in ghost:
                bar.add(s, V.SNARE, 38, r.off(0.1))
        return bars
    return kit


def make_triple_hats(genre: str) -> Callable[[Draw], list[Bar]]:
    def hats(r: Draw) -> list[Bar]:
        every = 1 if r.chance(0.3 + 0.4 * r.d) else 2
        swing = 0.25 if genre in ("boom_bap", "lofi") else 0.0
        bars = r.bars()
        for bar in bars:
            straight_hats(r, bar, every, 72, swing=swing)
            if genre in ("trap", "drill") and r.chance(0.5):
                bar.add(r.one([5, 11]), V.HH_ROLL, 66, r.off(0, 0.02), r.one(V.ROLL_DIVISIONS))
        return bars
    return hats


KITS_44: dict[str, Callable[[Draw], list[Bar]]] = {
    "trap": trap_kit, "drill": drill_kit, "boom_bap": boom_bap_kit, "lofi": lofi_kit,
    "house": house_kit, "techno": techno_kit, "drum_and_bass": drum_and_bass_kit,
}
HATS_44: dict[str, Callable[[Draw], list[Bar]]] = {
    "trap": trap_hats, "drill": drill_hats, "boom_bap": boom_bap_hats, "lofi": lofi_hats,
    "house": house_hats, "techno": techno_hats, "drum_and_bass": drum_and_bass_hats,
}


def kit_layer(genre: str, meter: str) -> Callable[[Draw], list[Bar]]:
    """The builder of a genre's kit bars (kick, snare, toms) in a metre."""
    return KITS_44[genre] if meter == "4/4" else make_triple_kit(genre, meter == "6/8")


def hat_layer(genre: str, meter: str) -> Callable[[Draw], list[Bar]]:
    """The builder of a genre's hat layer (closed/open hats, rolls, ride) in a metre."""
    return HATS_44[genre] if meter == "4/4" else make_triple_hats(genre)
