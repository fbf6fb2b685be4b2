"""Chord voicing: turn a chord progression into playable, voice-led MIDI notes.

`voice_chord` picks MIDI pitches for one chord so that the voices move as little as possible from
the previous chord (keyboard-style voice leading); `voice_progression` chains it over a progression
and renders the voicings in a style (block chords, house stabs, arpeggios, legato pads).
Times are in beats, as everywhere in `beatengine.midi_io`.
"""

import random
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from operator import sub

from beatengine.midi_io import Note
from beatengine.theory import Chord

VOICING_STYLES = ("block", "stabs", "arpeggio", "pad")

# default style per project genre (beatengine.genres.GENRE_NAMES)
GENRE_VOICING: dict[str, str] = {
    "trap": "arpeggio",        # bell / pluck arps over the 808
    "drill": "pad",            # dark sustained strings and choirs
    "boom_bap": "block",       # chopped-sample chords, struck and held
    "lofi": "pad",             # washed-out Rhodes 7ths and 9ths
    "house": "stabs",          # off-beat organ / piano stabs
    "techno": "stabs",         # short synth stabs
    "drum_and_bass": "pad",    # liquid pads under the breaks
    "rnb": "pad",              # lush extended chords
    "pop": "block",
    "rock": "block",
    "funk": "stabs",           # syncopated clavinet / horn hits
    "jazz": "block",           # comping 7ths in close and drop-2 voicings
    "latin": "stabs",          # montuno-like tresillo hits
    "afrobeat": "stabs",       # highlife keys chops
    "reggae": "stabs",         # the off-beat skank
}

MUD_LIMIT = 52          # below this, adjacent voices need at least a minor 3rd
_TOP_WEIGHT = 1.0       # extra cost per semitone of top-voice movement (the line the ear follows)
_TOP_LEAP = 4           # top-voice moves beyond this are penalised again
_CENTRE_WEIGHT = 0.1    # weak pull to the middle of the register, so voicings do not drift to an edge


# ---- one chord -------------------------------------------------------------------------------
def _importance(interval: int, top_extension: int) -> int:
    """How much a chord tone defines the chord; the least important are dropped first."""
    if interval in (3, 4, 2, 5):      # 3rd, or the sus tone that replaces it
        return 9
    if interval in (9, 10, 11):       # 7th (or the 6th of 6 and dim7 chords)
        return 8
    if interval in (6, 8):            # altered 5th: the colour of dim / aug / m7b5
        return 7
    if interval == top_extension:     # the extension the chord is named after (the 9 of a 9 chord)
        return 6
    if interval == 0:                 # the bass player has the root; rootless voicings are fine
        return 5
    if interval == 17:                # an inner 11th clashes with the 3rd
        return 2
    if interval >= 12:                # other inner extensions
        return 3
    return 1                          # perfect 5th: adds least, goes first


def _tones(chord: Chord, limit: int, exclude: int | None) -> tuple[int, ...]:
    """Pitch classes to voice above the bass, at most `limit`, the least important dropped."""
    intervals = chord.intervals
    top = max(intervals)
    kept: dict[int, tuple[int, int]] = {}  # pc -> (importance, position), first spelling wins
    for pos, interval in enumerate(intervals):
        pc = (chord.root + interval) % 12
        if pc not in kept:
            kept[pc] = (_importance(interval, top if top >= 12 else -1), -pos)
    if exclude in kept and len(kept) > limit:  # short of voices: the slash bass already has it
        del kept[exclude]
    ranked = sorted(kept, key=lambda pc: kept[pc], reverse=True)
    return tuple(sorted(ranked[:max(1, limit)]))


@lru_cache(maxsize=512)
def _shapes(pcs: tuple[int, ...]) -> tuple[tuple[int, tuple[int, ...], bool, float, int], ...]:
    """(bottom pitch class, offsets from the bottom, is close position, mean offset, lowest clean
    bottom note) for every inversion in close position and drop-2 / drop-3 / drop-2-and-4 spreads.
    `pcs` are relative to the root, so every chord of a quality shares one cached set."""
    found: dict[tuple[int, tuple[int, ...]], bool] = {}
    n = len(pcs)
    for r in range(n):
        order = pcs[r:] + pcs[:r]
        close = [0]
        for below, pc in zip(order, order[1:], strict=False):  # stack each tone just above the last
            close.append(close[-1] + (pc - below) % 12)
        drops = [()] + [(d,) for d in (2, 3) if d <= n] + ([(2, 4)] if n >= 4 else [])
        for drop in drops:
            shape = sorted(o - 12 if (n - i) in drop else o for i, o in enumerate(close))
            key = ((order[0] + shape[0]) % 12, tuple(o - shape[0] for o in shape))
            found[key] = found.get(key, False) or not drop
    return tuple((bottom, offsets, is_close, sum(offsets) / n, _mud_floor(offsets))
                 for (bottom, offsets), is_close in found.items())


def _mud_floor(offsets: tuple[int, ...]) -> int:
    """Lowest bottom note that keeps the shape clear: intervals under a minor 3rd blur below
    MUD_LIMIT, and a 2nd is tolerated only between the top two voices."""
    tight = [o for o, above in zip(offsets[:-2], offsets[1:-1], strict=True) if above - o < 3]
    return MUD_LIMIT - min(tight) if tight else -128


# a candidate voicing: (full voicing with any slash bass, upper voices, distance of the upper voices'
# mean from the register's centre)
_Row = tuple[tuple[int, ...], tuple[int, ...], float]


@dataclass(frozen=True)
class _Options:
    """A chord's candidate voicings inside one register, indexed for a fast search."""
    by_top: dict[int, tuple[_Row, ...]]  # top pitch -> rows, to search outward from the last top
    voices: int                          # upper voices per candidate
    first: tuple[int, ...]               # the choice with no previous chord


@lru_cache(maxsize=4096)
def _options(chord: Chord, low: int, high: int, max_voices: int) -> _Options:
    """Every voicing of the chord inside the register, muddy ones left out where possible.
    Cached: a progression repeats its chords, and the set depends only on these arguments."""
    slash = chord.bass is not None and chord.bass != chord.root
    bass = None
    if slash:
        # strictly below low, so a later chord can tell the bass from the upper voices
        bass = low - 1 - (low - 1 - chord.bass_pc) % 12
        bass = bass + 12 if bass < 0 else bass
    pcs = _tones(chord, max_voices - 1 if slash else max_voices, bass % 12 if slash else None)
    floor = low if bass is None else max(low, bass + 1)
    clear_of_bass = floor if bass is None or bass >= MUD_LIMIT else bass + 3
    centre = (low + high) / 2
    clean: list[tuple[tuple[int, ...], tuple[int, ...], float, bool]] = []
    muddy: list[tuple[tuple[int, ...], tuple[int, ...], float, bool]] = []
    rel = tuple(sorted((pc - chord.root) % 12 for pc in pcs))
    for bottom, offsets, is_close, mean, mud_floor in _shapes(rel):
        base = floor + (bottom + chord.root - floor) % 12
        while base + offsets[-1] <= high:
            upper = tuple([base + o for o in offsets])
            row = (upper if bass is None else (bass, *upper), upper, abs(base + mean - centre), is_close)
            (clean if base >= mud_floor and base >= clear_of_bass else muddy).append(row)
            base += 12
    rows = clean or muddy
    if not rows:
        raise ValueError(f"register {low}-{high} is too narrow to voice {chord.symbol}")
    by_top: dict[int, list[_Row]] = {}
    for voicing, upper, off_centre, _ in rows:
        by_top.setdefault(upper[-1], []).append((voicing, upper, off_centre))
    # no previous chord: close and centred; ties go to root position, then to the lower voicing
    first = min(rows, key=lambda r: (not r[3], r[2], r[1][0] % 12 != chord.root, r[1]))[0]
    return _Options({t: tuple(rs) for t, rs in by_top.items()}, len(rows[0][1]), first)


def _movement(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """Total voice movement: voices matched in sorted order; with unequal counts, every voice of
    the larger chord goes to its nearest voice in the smaller one (a voice splits or two merge)."""
    if len(a) == len(b):
        return sum(map(abs, map(sub, a, b)))
    big, small = (a, b) if len(a) > len(b) else (b, a)
    total, last = 0, len(small) - 1
    for x in big:  # nearest neighbour by bisection: several times faster than min() over pairs
        i = bisect_left(small, x)
        total += small[0] - x if i == 0 else x - small[last] if i > last else min(
            x - small[i - 1], small[i] - x)
    return total


def voice_chord(chord: Chord, previous: tuple[int, ...] | None, low: int = 48, high: int = 76,
                max_voices: int = 5) -> tuple[int, ...]:
    """MIDI pitches (sorted) for one chord, voice-led from `previous`.

    Every chord tone is voiced (the 5th dropped first, then inner extensions, when more than
    `max_voices`) inside [low, high], choosing among inversions and close / drop-2 / drop-3 spreads
    the one that moves the voices least, with extra weight on the top voice. With no previous
    chord: a close voicing centred in the register. A slash bass (`F/A`) is the lowest note, placed
    just below `low` (low-12 to low-1), so later chords can tell it from the upper voices (all
    >= low). Adjacent voices below MIDI 52 are at least a minor 3rd apart (a 2nd only between the
    top two voices).

    Movement is the sum of |moves| of the upper voices matched in sorted order; with unequal voice
    counts every voice of the larger chord is matched to its nearest voice in the smaller one.
    """
    if not (0 <= low and high <= 127 and high - low >= 12):
        raise ValueError(f"register {low}-{high} must lie in 0-127 and span at least an octave")
    if max_voices < 2:
        raise ValueError(f"max_voices must be at least 2, got {max_voices}")
    if not previous:
        return _options(chord, low, high, max_voices).first
    prev = sorted(previous)
    prev = tuple(p for p in prev if p >= low) or tuple(prev)  # voice-lead the upper voices only
    return _lead(chord, prev, low, high, max_voices)


@lru_cache(maxsize=8192)
def _lead(chord: Chord, prev: tuple[int, ...], low: int, high: int, max_voices: int) -> tuple[int, ...]:
    """Cached: loops repeat the same chord changes from the same voicings."""
    return _search(_options(chord, low, high, max_voices), prev)


def _search(opts: _Options, prev: tuple[int, ...]) -> tuple[int, ...]:
    """The cheapest candidate, searched outward from the previous top note. With equal voice counts
    the top voice's own move is part of the movement, so the cost is at least 2*d for a top move
    of d; once that bound reaches the best cost found, no farther candidate can win."""
    equal = opts.voices == len(prev)
    prev_top = prev[-1]
    best: tuple[float, tuple[int, ...]] = (float("inf"), ())  # (cost, upper): ties go to the lower
    chosen: tuple[int, ...] = ()
    for d in range(128):
        top_cost = _TOP_WEIGHT * d + max(0, d - _TOP_LEAP)
        if top_cost + (d if equal else 0) >= best[0]:
            break
        for top in (prev_top - d, prev_top + d) if d else (prev_top,):
            for voicing, upper, off_centre in opts.by_top.get(top, ()):
                move = sum(map(abs, map(sub, upper, prev))) if equal else _movement(upper, prev)
                cost = (move + top_cost + _CENTRE_WEIGHT * off_centre, upper)
                if cost < best:
                    best, chosen = cost, voicing
    return chosen


# ---- a progression in a style ----------------------------------------------------------------
# stab rhythms per meter: 16th-step onsets within the bar and the stab's length in beats
_STABS: dict[str, tuple[tuple[tuple[int, ...], float], ...]] = {
    "4/4": (((2, 6, 10, 14), 0.25),            # house off-beats
            ((0, 3, 6, 10, 13), 0.25),         # syncopated house
            ((0, 6, 12), 0.5),                 # tresillo 3-3-2
            ((3, 6, 11, 14), 0.25)),           # pushed, charleston-like
    "3/4": (((2, 6, 10), 0.25), ((0, 3, 6, 10), 0.25)),
    "6/8": (((2, 4, 8, 10), 0.25), ((0, 4, 6, 10), 0.5)),
}
_ARPS = (("up", 0.5), ("updown", 0.5), ("up", 0.25), ("updown", 0.25))
_EPS = 1e-9


def _meter(meter: str) -> tuple[float, float]:
    """(bar length, beat length) in quarter notes; compound meters (6/8, 12/8) beat in dotted 4ths."""
    try:
        num, den = (int(x) for x in meter.split("/"))
    except ValueError:
        raise ValueError(f"meter must look like '4/4', got {meter!r}") from None
    if num <= 0 or den not in (1, 2, 4, 8, 16):
        raise ValueError(f"unsupported meter {meter!r}")
    compound = den == 8 and num % 3 == 0 and num > 3
    return num * 4 / den, 1.5 if compound else 4 / den


def _on_grid(t: float, step: float) -> bool:
    return abs(t / step - round(t / step)) < 1e-6


def _stab_pattern(meter: str, bar: float, rng: random.Random) -> tuple[tuple[float, ...], float]:
    """Onset offsets (beats within the bar) and stab length; unknown meters get off-beat 8ths."""
    if meter in _STABS:
        steps, length = rng.choice(_STABS[meter])
        return tuple(s * 0.25 for s in steps), length
    return tuple(b + 0.5 for b in range(int(bar))), 0.25


def _stab_onsets(start: float, end: float, bar: float, offsets: tuple[float, ...]) -> list[float]:
    """Pattern onsets on the global bar grid that fall inside [start, end)."""
    onsets = []
    first_bar = int(start // bar)
    for b in range(first_bar, int(end // bar) + 1):
        onsets += [max(start, b * bar + o) for o in offsets if start - _EPS <= b * bar + o < end - _EPS]
    return onsets or [start]  # a chord too short to catch a pattern hit is still heard


def _arp_order(voicing: tuple[int, ...], direction: str) -> tuple[int, ...]:
    if direction == "updown" and len(voicing) > 2:
        return voicing + voicing[-2:0:-1]
    return voicing


PAD_TIE_BARS = 2


def _pad(spans: list[tuple[float, float, tuple[int, ...]]], bar: float
         ) -> list[tuple[int, float, float]]:
    """Legato pad: a pitch shared by consecutive chords continues as one note, for up to
    PAD_TIE_BARS bars: a note that has rung that long is struck again with the next chord, so a
    looped pad breathes with its progression instead of droning through it."""
    out: list[tuple[int, float, float]] = []
    sounding: dict[int, float] = {}  # pitch -> start
    last_end = None
    for start, end, voicing in spans:
        gap = last_end is not None and abs(start - last_end) > _EPS
        for pitch in list(sounding):
            if gap or pitch not in voicing or start - sounding[pitch] >= PAD_TIE_BARS * bar - _EPS:
                out.append((pitch, sounding.pop(pitch), last_end))
        for pitch in voicing:
            sounding.setdefault(pitch, start)
        last_end = end
    out += [(pitch, s, last_end) for pitch, s in sounding.items()]
    return out


def _render(style: str, spans: list[tuple[float, float, tuple[int, ...]]], meter: str,
            rng: random.Random) -> list[tuple[int, float, float, int]]:
    """(pitch, start, duration, accent) events for the style; accent is a velocity offset."""
    events: list[tuple[int, float, float, int]] = []
    bar, beat = _meter(meter)
    if style == "pad":
        return [(p, s, e - s, 0) for p, s, e in _pad(spans, bar)]
    if style == "block":
        for start, end, voicing in spans:
            span = end - start
            dur = span - min(0.125, span * 0.25)  # a short release so the next strike is audible
            events += [(p, start, dur, 0) for p in voicing]
    elif style == "stabs":
        offsets, length = _stab_pattern(meter, bar, rng)
        for start, end, voicing in spans:
            for onset in _stab_onsets(start, end, bar, offsets):
                accent = 0 if _on_grid(onset, beat) else 6  # off-beat stabs push the groove
                events += [(p, onset, min(length, end - onset), accent) for p in voicing]
    else:  # arpeggio
        direction, step = rng.choice(_ARPS)
        for start, end, voicing in spans:
            order = _arp_order(voicing, direction)
            k = 0
            while start + k * step < end - _EPS:
                onset = start + k * step
                accent = 0 if _on_grid(onset, beat) else -8  # lean on the beat
                events.append((order[k % len(order)], onset, min(step, end - onset), accent))
                k += 1
    return events


def voice_progression(chords: list[tuple[float, float, Chord]], style: str, meter: str = "4/4",
                      low: int = 48, high: int = 76, velocity: int = 90, seed: int = 0,
                      humanize: float = 0.0, max_voices: int = 5) -> list[Note]:
    """Voice-led notes for `chords` ((start beat, duration beats, chord), in time order) in a style:

    - block: each chord struck once at its start, held for its span less a short release;
    - stabs: short (16th/8th) chords on a per-bar rhythm (off-beats, syncopation), seed-chosen;
    - arpeggio: chord tones one at a time in 8ths or 16ths, up or up-down, seed-chosen;
    - pad: held for the whole span, common tones tied into the next chord (for up to two bars).

    Every note starts inside its chord's span and none passes the last chord's end; notes are sorted
    by (start, pitch); velocities are 1-127. Deterministic for a seed; `humanize` (0-1) adds small
    velocity variation only; `max_voices` caps each chord's voices (see `voice_chord`). Raises
    ValueError for an unknown style, meter or bad spans.
    """
    if style not in VOICING_STYLES:
        raise ValueError(f"unknown voicing style {style!r}; styles: {', '.join(VOICING_STYLES)}")
    if not 0.0 <= humanize <= 1.0:
        raise ValueError(f"humanize must be in 0-1, got {humanize}")
    _meter(meter)  # validate before any work
    spans: list[tuple[float, float, tuple[int, ...]]] = []
    previous: tuple[int, ...] | None = None
    for start, duration, chord in chords:
        if duration <= 0:
            raise ValueError(f"chord {chord.symbol} at beat {start} has duration {duration}")
        if spans and start < spans[-1][1] - _EPS:
            raise ValueError(f"chord {chord.symbol} at beat {start} overlaps the previous chord")
        previous = voice_chord(chord, previous, low, high, max_voices)
        spans.append((start, start + duration, previous))
    rng = random.Random(seed)
    events = _render(style, spans, meter, rng)
    notes = []
    for pitch, start, dur, accent in events:
        vel = velocity + accent
        if humanize:
            vel += round(rng.uniform(-1.0, 1.0) * 10 * humanize)
        notes.append(Note(pitch, start, dur, min(127, max(1, vel))))
    notes.sort(key=lambda n: (n.start, n.pitch))
    return notes
