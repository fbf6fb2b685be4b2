"""The project's own bass style knowledge: rule-made, genre-labelled basslines.

The only real bass material is derived from POP909 piano parts (pop), so genre-true bass rhythms come
from these documented rules, with randomised variation. A rule writes onsets with roles (root, fifth,
octave, approach, ...); `beatengine.roles.bassline.voicing` turns the roles into pitches that obey the
harmony:
downbeats and chord changes get the chord's bass (root or slash bass), other notes are chord tones, and
approach/passing tones (a step into the next chord's bass) only fall on weak 16ths. Times are in beats
(quarter notes); steps are 16ths (a 4/4 bar has 16, 3/4 and 6/8 bars 12; 6/8 pulses on steps 0 and 6).
`kicks` are the drum part's kick onsets, or each genre's typical placement (as in drums/style_rules.py).

Rules, per genre:
- trap, drill: an 808 on the kick hits (each kept with density) and at every chord change, sustained
  until the next note; mostly the root, octave jumps and an occasional fifth; every root on a downbeat
  in the low octave. Glides: a note overlaps the next by a 32nd (an 808 with portamento slides), now and
  then in trap, often in drill (sliding 808s).
- drum_and_bass: long sub notes on the breakbeat kick (1, the "and" of 3 or the 16th after, pickups)
  and at chord changes, mostly the root in the low octave; no glides.
- house: off-beat bass on the "and" of every beat (in 6/8 the 8ths between the pulses), short plucks of
  the root in the low octave with octave pops, now and then a 16th pickup into the next bar.
- techno: rolling 16ths between the kicks (the bass ducks every kick), the off-beat 8th accented, mostly
  the root, an octave or fifth on a beat's last 16th.
- rock: root-fifth 8th-note drive: every 8th repeats its beat's note (6/8: its pulse's; the root, or the
  fifth or octave on later beats), accented with the kick; sometimes a passing tone on the last 8th
  before a change.
- pop: the same drive, sparser and legato (quarters, some 8ths, which follow the kick), more often a
  passing tone into the next chord's root on the last 8th before a change.
- funk: a one-bar 16th riff repeated with variation: the root on the one, syncopated e/a notes, octave
  pops on the "and"s, ghost notes (soft, very short); a chromatic approach on the last 16th of a chord.
- jazz: walking quarters (6/8: a quarter and an 8th per pulse): chord tones moving toward the next root,
  on the last beat the chord tone nearest it, or a skip (chord tone, then a chromatic approach on the
  "and"); at low density a two-feel in half notes. Notes sit on the grid; swing is the renderer's job.
- rnb: smooth legato notes on the kicks and at changes (root, fifth, third), 3rds, 5ths, 7ths and
  octaves on off-beat 8ths, a 16th chromatic slide into some changes.
- boom_bap: sparse long roots following the kick (the downbeat kick always), an occasional fifth/octave.
- lofi: sparser and softer, sometimes a 16th behind the kick (laid back), 7ths and 3rds.
- reggae: one drop: beat 1 stays empty; a repeated melodic one-bar riff, root first, then a contour
  over 3rd, 5th, octave and 7th, with air between the notes.
- latin: tumbao: the "and" of 2 (fifth or root) and beat 4, which anticipates the next chord (its bass
  when the current chord holds it) and rings over the bar line; optional "and" of 3 with density.
- afrobeat: a syncopated one-bar riff (root, octave, fifth, 7th, mostly off the beat) repeated every bar.
"""

from collections.abc import Callable

import numpy as np

from beatengine.midi_io import Note
from beatengine.roles.bassline import voicing as BV
from beatengine.theory import Chord

Riff = list[tuple[int, str, float, float | None]]   # (step, role, velocity, duration)

# typical kicks in 16th steps of a 4/4 bar: (always, optional with density); 3/4 and 6/8 keep the kick on
# 1 and draw the rest from the steps that fit. Genres missing here ignore the kick.
_KICKS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "trap": ((0,), (3, 6, 7, 10, 11, 14)), "drill": ((0,), (3, 6, 10, 11, 14)),
    "drum_and_bass": ((0, 10), (2, 7, 11, 13)), "boom_bap": ((0, 10), (3, 7, 11, 14)),
    "lofi": ((0, 10), (3, 7, 11, 14)), "rock": ((0, 8), (6, 7, 10, 14)), "pop": ((0, 8), (3, 6, 10)),
    "rnb": ((0, 10), (3, 7, 14)),
}
_FOUR_ON_THE_FLOOR = ("house", "techno")
_LOW_ROOTS = frozenset({"trap", "drill", "drum_and_bass", "house", "techno"})   # sub-bass genres
_TUMBAO = {"4/4": (1.5, 3.0, 2.5), "3/4": (0.5, 2.0, 1.5), "6/8": (1.0, 2.5, 2.0)}  # "and" of 2, 4, extra


class _BassBar:
    """One bar being written: where its kicks and chord changes fall; rules add events to it."""

    def __init__(self, t0: float, meter: str, kicks: list[float], tl: BV.ChordTimeline,
                 rng: np.random.Generator, density: float, riff: Riff):
        self.t0, self.meter, self.kicks, self.rng, self.d, self.riff = t0, meter, kicks, rng, density, riff
        self.length, self.pulses = BV.METERS[meter]
        self.steps = round(self.length * 4)
        end = t0 + self.length
        self.changes = [s - t0 for s in tl.starts if t0 - BV.EPS <= s < end - BV.EPS]
        # changes this bar leads into, its end included; the song's end loops back to the first chord
        self.leads = [s - t0 for s in (*tl.starts[1:], tl.end) if t0 + BV.EPS < s <= end + BV.EPS]
        self.events: dict[float, BV.Event] = {}
        self._pulse_steps = {round(p * 4) for p in self.pulses}
        self._kick_keys = {round(k, 6) for k in kicks}

    def note(self, pos: float, role: str, vel: float, dur: float | None = None, glide: bool = False,
             force: bool = False) -> None:
        """Add an onset; the first one written at a position stays unless `force`."""
        key = round(pos, 6)
        if -BV.EPS < pos < self.length - BV.EPS and (force or key not in self.events):
            self.events[key] = BV.Event(self.t0 + pos, role, vel, dur, glide)

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def pick(self, options: tuple[str, ...]) -> str:
        return options[int(self.rng.random() * len(options))]

    def is_pulse(self, pos: float) -> bool:
        return BV.on_grid(pos, 0.25) and round(pos * 4) in self._pulse_steps

    def offbeats(self) -> list[float]:
        """The 8ths between the pulses: the "and" of every beat (6/8: the 2nd and 3rd of each group)."""
        return [s / 4 for s in range(0, self.steps, 2) if not self.is_pulse(s / 4)]

    def kick_at(self, pos: float) -> bool:
        return round(pos, 6) in self._kick_keys


def _eight08(b: _BassBar, genre: str) -> None:
    """trap, drill, drum_and_bass: long notes on the kicks and chord changes, legato to the next."""
    glide = {"trap": 0.1 + 0.15 * b.d, "drill": 0.45 + 0.25 * b.d}.get(genre, 0.0)
    jump = {"trap": 0.2, "drill": 0.35}.get(genre, 0.12)
    for c in b.changes:
        b.note(c, BV.ROOT, 115, glide=b.chance(glide))
    for k in b.kicks:
        if k < BV.EPS or b.chance(0.45 + 0.5 * b.d):   # not every kick re-triggers: the 808 sustains
            r = b.rng.random()
            role = (BV.ROOT if k < BV.EPS else BV.OCTAVE if r < jump
                    else BV.FIFTH if r < jump + 0.1 else BV.ROOT)
            b.note(k, role, 112 if k < BV.EPS else 102, glide=b.chance(glide))


def _kick_follow(b: _BassBar, genre: str) -> None:
    """boom_bap, lofi: sparse long roots following the kick."""
    lofi = genre == "lofi"
    vel = 84 if lofi else 100
    for c in b.changes:
        b.note(c, BV.ROOT, vel + 8)
    for k in b.kicks:
        if k > BV.EPS and not b.chance((0.15 + 0.4 * b.d) if lofi else (0.25 + 0.5 * b.d)):
            continue
        late = 0.25 if lofi and k > BV.EPS and b.chance(0.3) else 0.0   # the bass lags behind the kick
        r = b.rng.random()
        colour = (BV.SEVENTH, BV.THIRD) if lofi else (BV.FIFTH, BV.OCTAVE)
        role = BV.ROOT if r < 0.75 else colour[0] if r < 0.9 else colour[1]
        b.note(k + late, role, vel)


def _house(b: _BassBar, genre: str) -> None:
    for i, pos in enumerate(b.offbeats()):
        if i == 0 or b.chance(0.7 + 0.3 * b.d):
            pop = b.chance(0.15 + 0.3 * b.d)   # octave pop
            b.note(pos, BV.OCTAVE if pop else BV.ROOT, 96 if pop else 108, 0.375)
    if b.chance(0.3 * b.d):
        b.note(b.length - 0.25, BV.ROOT, 80, 0.2)   # a 16th pickup into the next bar


def _techno(b: _BassBar, genre: str) -> None:
    for s in range(b.steps):
        pos = s / 4
        eighth = s % 2 == 0
        if b.is_pulse(pos) or b.kick_at(pos) or not (eighth or b.chance(0.35 + 0.6 * b.d)):
            continue   # the bass ducks the kick; 16ths come and go with density
        role = BV.ROOT
        if s % 4 == 3 and b.chance(0.2):
            role = BV.OCTAVE if b.chance(0.6) else BV.FIFTH
        b.note(pos, role, 106 if eighth else 82, 0.2)


def _drive(b: _BassBar, genre: str) -> None:
    """rock, pop: 8ths repeating each beat's root or fifth; pop sparser, legato, passing more often."""
    pop = genre == "pop"
    for c in b.leads:   # a step into the next chord's bass on the last 8th before the change
        if b.chance((0.5 + 0.3 * b.d) if pop else (0.15 + 0.2 * b.d)):
            b.note(c - 0.5, BV.PASSING, 92, None if pop else 0.45)
    role = BV.ROOT
    for s in range(0, b.steps, 2):
        pos, beat, kick = s / 4, b.is_pulse(s / 4), b.kick_at(s / 4)
        if beat:
            r = b.rng.random()
            role = BV.ROOT if s == 0 or r > 0.45 else BV.FIFTH if r > 0.1 else BV.OCTAVE
        if pop:
            keep = (1.0 if s == 0 else 0.75 + 0.5 * b.d) if beat else (0.2 + 0.5 * b.d + 0.3 * kick)
        else:
            keep = 1.0 if beat else 0.5 + b.d
        if b.chance(keep):
            b.note(pos, role, (104 if beat else 90) + 10 * kick, None if pop else 0.45)


def _funk_riff(steps: int, rng: np.random.Generator, d: float) -> Riff:
    """One bar of 16ths: the root on the one, syncopations, octave pops, ghost notes."""
    riff: Riff = [(0, BV.ROOT, 118, 0.45)]
    for s in range(1, steps):
        e_or_a = s % 2 == 1
        if rng.random() >= ((0.25 + 0.35 * d) if e_or_a else (0.2 + 0.3 * d)):
            continue
        if e_or_a and rng.random() < 0.4:
            riff.append((s, BV.GHOST, 40, 0.08))
        elif s % 4 == 2 and rng.random() < 0.5:
            riff.append((s, BV.OCTAVE, 96, 0.2))   # the octave pop on an "and"
        else:
            role = (BV.ROOT, BV.ROOT, BV.FIFTH, BV.SEVENTH)[int(rng.random() * 4)]
            riff.append((s, role, 102 if e_or_a else 94, 0.2))
    if not any(s % 2 for s, *_ in riff):   # funk lives on the e's and a's
        riff.append((3, BV.ROOT, 100, 0.2))
    return sorted(riff)


def _funk(b: _BassBar, genre: str) -> None:
    for c in b.changes:
        b.note(c, BV.ROOT, 115, 0.45)
    for s, role, vel, dur in b.riff:
        if s == 0 or b.chance(0.88):
            b.note(s / 4, role, vel, dur)
    for c in b.leads:   # chromatic approach on the last 16th before the change
        if b.chance(0.3 + 0.3 * b.d):
            b.note(c - 0.25, BV.APPROACH, 96, 0.2, force=True)


def _walk(b: _BassBar, genre: str) -> None:
    """jazz: walking quarters, a skip or a leading tone into each change; two-feel when sparse."""
    if b.chance(0.5 - 0.9 * b.d):
        slots = list(b.pulses[::2])   # two-feel
    elif b.meter == "6/8":
        slots = [0.0, 1.0, 1.5, 2.5]   # a quarter and an 8th per pulse
    else:
        slots = list(b.pulses)
    slots = sorted({*slots, *b.changes})
    for pos, nxt in zip(slots, [*slots[1:], b.length], strict=True):
        vel = 90 if round(pos) % 2 else 84   # feathered: a little more on 2 and 4
        leads = any(abs(nxt - c) < BV.EPS for c in b.leads)
        if not leads:
            b.note(pos, BV.WALK, vel, 0.92 * (nxt - pos))
        elif nxt - pos >= 1 - BV.EPS and b.chance(0.15 + 0.3 * b.d):   # skip: chord tone, then approach
            b.note(pos, BV.WALK, vel, 0.45)
            b.note(nxt - 0.5, BV.APPROACH, vel - 8, 0.45)
        else:
            weak = BV.is_weak(pos, b.meter) and b.chance(0.5)
            b.note(pos, BV.APPROACH if weak else BV.LEAD, vel, 0.92 * (nxt - pos))


def _smooth(b: _BassBar, genre: str) -> None:
    """rnb: legato notes on the kicks and changes, 3rds and 5ths between, slides into changes."""
    for c in b.leads:
        if b.chance(0.1 + 0.3 * b.d):
            b.note(c - 0.25, BV.APPROACH, 80, 0.25)
    for c in b.changes:
        b.note(c, BV.ROOT, 100, force=True)
    for k in b.kicks:
        if k < BV.EPS or b.chance(0.5 + 0.4 * b.d):
            b.note(k, b.pick((BV.ROOT, BV.ROOT, BV.FIFTH, BV.THIRD)), 92)
    for pos in b.offbeats():
        if b.chance(0.08 + 0.3 * b.d):
            b.note(pos, b.pick((BV.THIRD, BV.FIFTH, BV.SEVENTH, BV.OCTAVE)), 84)


# reggae melodic shapes, one role per riff note (cycled)
_CONTOURS = ((BV.ROOT, BV.THIRD, BV.FIFTH, BV.OCTAVE, BV.FIFTH, BV.THIRD),
             (BV.ROOT, BV.FIFTH, BV.OCTAVE, BV.SEVENTH, BV.FIFTH, BV.ROOT),
             (BV.ROOT, BV.ROOT, BV.THIRD, BV.FIFTH, BV.SEVENTH, BV.OCTAVE))


def _reggae_riff(steps: int, rng: np.random.Generator, d: float) -> Riff:
    """One drop: beat 1 empty, the root on the "and" of 1 or on 2, then a melodic contour."""
    first = 2 if rng.random() < 0.6 else 4
    slots = [s for s in range(first + 1, steps) if s % 2 == 0 or s % 4 == 3]
    n = min(len(slots), int(1.5 + 3 * d + rng.random()))
    chosen = [first, *sorted(int(s) for s in rng.choice(slots, n, replace=False))]
    contour = _CONTOURS[int(rng.random() * len(_CONTOURS))]
    ends = [*chosen[1:], steps]   # air before the next note, and before the empty one
    return [(s, contour[i % 6], 98 if i == 0 else 88, 0.2 * (e - s)) for i, (s, e) in
            enumerate(zip(chosen, ends, strict=True))]


def _afro_riff(steps: int, rng: np.random.Generator, d: float) -> Riff:
    """A syncopated riff, mostly off the beat: root, octave, fifth, 7th."""
    w = np.array([0.0] + [3.0 if s % 4 == 2 else 2.0 if s % 2 else 1.0 for s in range(1, steps)])
    n = int(np.clip(round(2 + 4 * d + rng.random()), 2, steps // 2))
    chosen = sorted(int(s) for s in rng.choice(steps, n, replace=False, p=w / w.sum()))
    if rng.random() < 0.7:
        chosen.insert(0, 0)   # the root on the one
    ends = [*chosen[1:], steps]
    colours = (BV.ROOT, BV.OCTAVE, BV.FIFTH, BV.SEVENTH, BV.ROOT)
    return [(s, BV.ROOT if i == 0 else colours[int(rng.random() * 5)],
             104 if s % 4 == 0 else 96, min(0.5, 0.19 * (e - s)))
            for i, (s, e) in enumerate(zip(chosen, ends, strict=True))]


def _riff(b: _BassBar, genre: str) -> None:
    """reggae, afrobeat: the song's riff every bar, a note now and then left out."""
    for s, role, vel, dur in b.riff:
        if s == b.riff[0][0] or b.chance(0.92):
            b.note(s / 4, role, vel, dur)


def _tumbao(b: _BassBar, genre: str) -> None:
    mid, last, extra = _TUMBAO[b.meter]
    if b.t0 < BV.EPS:
        b.note(0.0, BV.ROOT, 104)   # nothing anticipated the first chord
    b.note(mid, BV.FIFTH if b.chance(0.6) else BV.ROOT, 100)
    if b.chance(0.6 * b.d):
        b.note(extra, b.pick((BV.THIRD, BV.FIFTH, BV.OCTAVE)), 84, 0.25)
    anticipates = any(abs(c - b.length) < BV.EPS for c in b.leads)   # a change on the next downbeat
    b.note(last, BV.ANTICIPATE if anticipates else b.pick((BV.ROOT, BV.OCTAVE)), 108)


_RULES: dict[str, Callable[[_BassBar, str], None]] = {
    "trap": _eight08, "drill": _eight08, "drum_and_bass": _eight08, "house": _house, "techno": _techno,
    "rock": _drive, "pop": _drive, "funk": _funk, "jazz": _walk, "rnb": _smooth, "boom_bap": _kick_follow,
    "lofi": _kick_follow, "reggae": _riff, "latin": _tumbao, "afrobeat": _riff,
}
_RIFFS: dict[str, Callable[[int, np.random.Generator, float], Riff]] = {
    "funk": _funk_riff, "reggae": _reggae_riff, "afrobeat": _afro_riff,
}
RULE_GENRES: tuple[str, ...] = tuple(_RULES)


def _default_kicks(genre: str, meter: str, rng: np.random.Generator, d: float) -> list[float]:
    """One bar of the genre's typical kick, in beats from the bar's start."""
    length, pulses = BV.METERS[meter]
    if genre in _FOUR_ON_THE_FLOOR:
        return list(pulses)
    if genre not in _KICKS:
        return []
    always, optional = _KICKS[genre]
    if meter != "4/4":
        always, optional = (0,), tuple(s for s in always[1:] + optional if s < round(length * 4))
    hits = set(always) | {s for s in optional if rng.random() < 0.15 + 0.35 * d}
    return [s / 4 for s in sorted(hits)]


def bassline(genre: str, chords: list[tuple[float, float, Chord]], kicks: list[float] | None,
             rng: np.random.Generator, meter: str = "4/4", low: int = 28, high: int = 55,
             density: float = 0.5) -> list[Note]:
    """A rule-made bassline over `chords` ((start beat, duration beats, chord), contiguous from 0).

    `kicks`: the drum part's kick onsets in beats (None = the genre's typical kick); `density` 0-1 scales
    the busyness (0.5 = the genre's typical). Notes lie in [low, high], sorted by start, within the
    progression. Raises ValueError naming an unknown genre, meter, or a bad range or progression.
    """
    if genre not in _RULES:
        raise ValueError(f"no bass rules for genre {genre!r}; known: {', '.join(RULE_GENRES)}")
    if meter not in BV.METERS:
        raise ValueError(f"unsupported meter {meter!r}; use one of {', '.join(BV.METERS)}")
    if not (0 <= low and high <= 127 and high - low >= 11):
        raise ValueError(f"bass range {low}-{high} must lie in 0-127 and span at least an octave")
    if not 0.0 <= density <= 1.0:
        raise ValueError(f"density {density} must be between 0 and 1")
    tl = BV.ChordTimeline(chords)
    length = BV.METERS[meter][0]
    n_bars = int(np.ceil(tl.end / length - BV.EPS))
    given: list[list[float]] = [[] for _ in range(n_bars)]
    for k in sorted(float(k) for k in kicks or ()):
        if -BV.EPS < k < tl.end - BV.EPS:
            bar = min(n_bars - 1, int((k + BV.EPS) // length))
            given[bar].append(max(0.0, k - bar * length))
    riff = _RIFFS[genre](round(length * 4), rng, density) if genre in _RIFFS else []
    events: list[BV.Event] = []
    for bar in range(n_bars):
        bar_kicks = given[bar] if kicks is not None else _default_kicks(genre, meter, rng, density)
        b = _BassBar(bar * length, meter, bar_kicks, tl, rng, density, riff)
        _RULES[genre](b, genre)
        events.extend(b.events.values())
    return BV.realize(events, tl, BV.Voicer(tl, meter, low, high, genre in _LOW_ROOTS, rng), rng)
