"""Pitch choice for the rule-made basslines (`beatengine.roles.bassline.rules`): roles -> MIDI notes.

A rhythm rule says *when* the bass plays and in which *role* (root, fifth, approach the next chord, ...);
this module turns the roles into pitches that obey the harmony, in time order:
- a note on a bar's downbeat or at a chord change is the chord's bass pitch class (root or slash bass);
- any other note is a chord tone, except approach and passing tones, which lead by step into the next
  chord's bass and are only allowed on weak 16ths (see `is_weak`); elsewhere they become the chord tone
  nearest that bass;
- pitches stay in [low, high]; each is the octave nearest a reference (the previous note, or the chord's
  anchor root), so the line moves smoothly; sub-bass genres anchor every root in the lowest octave;
- a note never rings into a chord it does not belong to (808 glides excepted) nor past the end.
"""

from bisect import bisect_right
from typing import NamedTuple

import numpy as np

from beatengine.meter import METER_TABLE
from beatengine.midi_io import Note
from beatengine.theory import Chord

EPS = 1e-6
GLIDE = 0.125      # a 32nd note: how far an 808 glide overlaps the note it slides into
MIN_GAP = 0.0625   # onsets closer than a 64th merge (an off-grid kick next to a chord change)

# meter -> (bar length in quarter-note beats, pulse positions in the bar), from the metre table
METERS: dict[str, tuple[float, tuple[float, ...]]] = {
    m.name: (float(m.beats_per_bar), m.pulses) for m in METER_TABLE.values()}

# roles a rhythm rule can ask for
ROOT, OCTAVE, FIFTH, THIRD, SEVENTH = "root", "octave", "fifth", "third", "seventh"
WALK = "walk"                # a chord tone other than the last note, heading for the next root
LEAD = "lead"                # the chord tone nearest the next chord's bass (but not it)
ANTICIPATE = "anticipate"    # the next chord's bass if the chord holds it, else the tone nearest it
APPROACH = "approach"        # a semitone into the next chord's bass (chromatic)
PASSING = "passing"          # a scale step into the next chord's bass (diatonic where possible)
GHOST = "ghost"              # a dead note: the last pitch again if it fits the chord, else the root


def on_grid(x: float, unit: float) -> bool:
    q = x / unit
    return abs(q - round(q)) < EPS


def is_weak(pos: float, meter: str) -> bool:
    """A weak 16th of the bar: on the 16th grid, off every quarter beat and off the meter's pulses."""
    return (on_grid(pos, 0.25) and not on_grid(pos, 1.0)
            and all(abs(pos - p) > EPS for p in METERS[meter][1]))


class Event(NamedTuple):   # a tuple: rules write hundreds of these per call
    """An onset a rhythm rule asks for. `dur` None = legato until the next onset; `glide` = overlap
    the next note by a 32nd, so an 808 with portamento slides into it."""
    t: float
    role: str
    vel: float
    dur: float | None = None
    glide: bool = False


class ChordTimeline:
    """The chord progression: which chord sounds when, and where it changes."""

    def __init__(self, chords: list[tuple[float, float, Chord]]):
        if not chords:
            raise ValueError("a bassline needs at least one chord")
        t = 0.0
        for start, dur, _ in chords:
            if abs(start - t) > EPS or dur <= 0:
                raise ValueError(f"chords must be contiguous from beat 0 with positive durations; "
                                 f"got ({start}, {dur}) where beat {t} was expected")
            t = start + dur
        self.starts = [float(s) for s, _, _ in chords]
        self.chords = [c for _, _, c in chords]
        self.pcs = [c.pitch_classes for c in self.chords]   # computed once: Chord recomputes them
        self.end = t
        self.key_pcs = frozenset().union(*self.pcs)   # the implied key

    def index(self, t: float) -> int:
        return max(0, bisect_right(self.starts, t + EPS) - 1)

    def is_change(self, t: float) -> bool:
        return abs(self.starts[self.index(t)] - t) < EPS

    def following(self, i: int) -> Chord:
        """The chord after chord i; the last one leads back to the first (progressions loop)."""
        return self.chords[(i + 1) % len(self.chords)]

    def ring_until(self, t: float, pc: int) -> float:
        """How long pitch class `pc` may sound from t: until a change to a chord without it."""
        i = self.index(t) + 1
        while i < len(self.starts) and pc in self.pcs[i]:
            i += 1
        return self.starts[i] if i < len(self.starts) else self.end


def _tone(chord: Chord, wanted: tuple[int, ...]) -> int:
    """The pitch class of the first interval in `wanted` the chord has (root if none)."""
    ivs = {i % 12 for i in chord.intervals}
    return (chord.root + next((w for w in wanted if w in ivs), 0)) % 12


class Voicer:
    """Turns roles into pitches, note by note in time order, keeping the line smooth."""

    def __init__(self, tl: ChordTimeline, meter: str, low: int, high: int, low_roots: bool,
                 rng: np.random.Generator):
        self.tl, self.meter, self.low, self.high, self.low_roots, self.rng = (
            tl, meter, low, high, low_roots, rng)
        self.bar_len = METERS[meter][0]
        self.by_pc = [list(range(low + (pc - low) % 12, high + 1, 12)) for pc in range(12)]
        self.home = low + 9   # the register a line starts in and drifts back to
        self.prev: int | None = None
        self.anchor = low
        self.chord_i = -1

    def near(self, pc: int, ref: float) -> int:
        """The pitch of class pc in range nearest ref (the lower one on a tie)."""
        return min(self.by_pc[pc % 12], key=lambda p: (abs(p - ref), p))

    def toward_home(self, prev: int) -> float:
        """Where the next root is looked for: near the line, pulled toward home so it cannot creep."""
        return (prev + self.home) / 2

    def pitch(self, t: float, role: str) -> int:
        i = self.tl.index(t)
        chord = self.tl.chords[i]
        pos = t - self.bar_len * int((t + EPS) // self.bar_len)
        downbeat = pos < EPS
        strong = downbeat or abs(t - self.tl.starts[i]) < EPS
        prev = self.home if self.prev is None else self.prev
        if i != self.chord_i or (strong and self.low_roots):
            # each chord's root octave: the lowest for sub-bass genres, else near the line
            self.chord_i = i
            self.anchor = (self.by_pc[chord.bass_pc][0] if self.low_roots
                           else self.near(chord.bass_pc, self.toward_home(prev)))
        if strong and (role != OCTAVE or (self.low_roots and downbeat)):
            role = ROOT
        if role in (APPROACH, PASSING) and not is_weak(pos, self.meter):
            role = LEAD   # non-chord tones only on weak 16ths
        self.prev = self._resolve(role, chord, i, prev)
        return self.prev

    def _resolve(self, role: str, chord: Chord, i: int, prev: int) -> int:
        a = self.anchor
        if role == ROOT:
            return a
        if role == OCTAVE:
            return self.near(a, a + 12 if a + 12 <= self.high else a - 12)
        if role == FIFTH:   # above the root where the range allows
            return self.near(_tone(chord, (7, 6, 8)), a + 7)
        if role == THIRD:
            return self.near(_tone(chord, (4, 3, 2, 5, 7)), prev)
        if role == SEVENTH:
            return self.near(_tone(chord, (10, 11, 9, 7)), prev)
        pcs = self.tl.pcs[i]
        if role == GHOST:
            return prev if prev % 12 in pcs else a
        nxt = self.tl.following(i).bass_pc
        target = self.near(nxt, self.toward_home(prev))   # where the next chord's root will land
        if role == APPROACH:   # from the side the line comes from, unless that repeats the last note
            p = target - 1 if prev <= target else target + 1
            other = 2 * target - p
            if not self.low <= p <= self.high or (p == prev and self.low <= other <= self.high):
                p = other
            return p
        if role == PASSING:    # a half or whole step in the implied key, else chromatic
            side = -1 if prev <= target else 1
            steps = [target + side * k for k in (1, 2) if self.low <= target + side * k <= self.high]
            steps = steps or [target - side]
            return next((p for p in steps if p % 12 in self.tl.key_pcs), steps[0])
        tones = [p for pc in pcs for p in self.by_pc[pc]]
        if role == ANTICIPATE and nxt in pcs:
            return target
        if role in (LEAD, ANTICIPATE):   # a repeated note only when nothing else is as close
            return min((p for p in tones if p != target),
                       key=lambda p: (abs(p - target) + 3 * (p == prev), p))
        # WALK: close to the last note, pulled toward the next root; now and then the second choice
        ranked = sorted((p for p in tones if p != prev),
                        key=lambda p: (abs(p - prev) + 0.5 * abs(p - target), p))
        return ranked[1] if len(ranked) > 1 and self.rng.random() < 0.3 else ranked[0]


def realize(events: list[Event], tl: ChordTimeline, voicer: Voicer, rng: np.random.Generator) -> list[Note]:
    """Events -> notes: merge near-simultaneous onsets, choose pitches, set lengths and velocities."""
    kept: list[Event] = []
    for e in sorted(events, key=lambda e: e.t):   # stable: the first event written at a time wins
        if e.t < -EPS or e.t >= tl.end - EPS:
            continue
        if kept and e.t - kept[-1].t < MIN_GAP:
            if tl.is_change(e.t) and not tl.is_change(kept[-1].t):
                kept[-1] = e   # the chord change's note wins
            continue
        kept.append(e)
    pitches = [voicer.pitch(e.t, e.role) for e in kept]
    vels = np.clip(np.round([e.vel for e in kept] + rng.normal(0.0, 4.0, len(kept))), 1, 127).tolist()
    notes = []
    for k, e in enumerate(kept):
        p, last = pitches[k], k + 1 == len(kept)
        nxt = tl.end if last else kept[k + 1].t
        if e.glide and not last and pitches[k + 1] != p:   # never past the note after next
            end = min(nxt + GLIDE, kept[k + 2].t if k + 2 < len(kept) else tl.end)
        else:
            end = min(nxt, tl.ring_until(e.t, p % 12), tl.end if e.dur is None else e.t + e.dur)
        end = min(end, tl.end)
        notes.append(Note(p, e.t, end - e.t, int(vels[k])))
    return notes
