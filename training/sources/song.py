"""The `Song` every harmony source becomes, the song split, chord labels (with the fallback for
labels the theory module does not know) and mode inference."""

import bisect
import functools
import hashlib
import logging
import math
import re
from dataclasses import dataclass

import numpy as np

from beatengine.meter import METER_TABLE
from beatengine.midi_io import Note
from beatengine.theory import (
    HARTE_QUALITIES,
    MODES,
    QUALITIES,
    Chord,
    Key,
    parse_harte,
    parse_pitch_class,
)

log = logging.getLogger(__name__)

METER_BEATS = {m.name: float(m.beats_per_bar) for m in METER_TABLE.values()}  # beats per bar
VALIDATION_PERCENT = 10
EPS = 1e-6


@dataclass
class Song:
    song_id: str          # billboard: "title|artist" normalised; "pop909/NNN"; "fmc/<row index>"
    source: str           # "billboard" | "pop909" | "fmc"
    split: str            # "train" | "validation", a stable hash of song_id
    genre: str | None     # a GENRE_NAMES entry or None
    key: Key
    meter: str            # "4/4" | "3/4" | "6/8"
    bpm: float | None
    chords: list[tuple[float, float, Chord | None]]  # contiguous, sorted; None = no chord
    melody: list[Note] | None = None      # POP909 only
    bass: list[Note] | None = None        # POP909 only: derived from the piano's lowest notes
    sections: list[tuple[float, str]] | None = None  # Billboard only: (start beat, name)
    n_labels: int = 0                     # chord labels read from the source
    n_fallback: int = 0                   # of those, mapped to the nearest simple chord
    bass_alignment: float | None = None   # POP909: share of downbeat chord changes whose derived
                                          # bass note is the chord's root or bass pitch class

    @property
    def length_beats(self) -> float:
        return self.chords[-1][1] if self.chords else 0.0

    @property
    def n_bars(self) -> int:
        """Bars of the song's metre, a final partial bar counted as one."""
        return math.ceil(self.length_beats / self.beats_per_bar() - EPS)

    def beats_per_bar(self) -> float:
        return METER_BEATS[self.meter]


def split_of(song_id: str) -> str:
    """About VALIDATION_PERCENT % of songs go to validation, stably across runs and machines."""
    h = int.from_bytes(hashlib.sha1(song_id.encode()).digest()[:8], "big")
    return "validation" if h % 100 < VALIDATION_PERCENT else "train"


def chord_at(song: Song, beat: float) -> Chord | None:
    """The chord sounding at `beat` (None for no chord or outside the song)."""
    i = bisect.bisect_right(song.chords, beat, key=lambda span: span[0]) - 1
    if i < 0 or beat >= song.chords[i][1]:
        return None
    return song.chords[i][2]


# ---- chord labels ----------------------------------------------------------------------------
NO_CHORD_LABELS = frozenset({"N", "X", "*", "&pause"})  # Billboard "*": untranscribable; "&pause": a rest
_MAJOR_STEPS = (0, 2, 4, 5, 7, 9, 11)
_HARTE_PARTS = re.compile(r"([A-G][#b]*)(?::([^(/]*)(?:\(([^)]*)\))?)?(?:/(.+))?")
# quality intervals as pitch-class sets, in QUALITIES order (earlier = preferred on ties)
QUALITY_PCS = {q: frozenset(i % 12 for i in iv) for q, iv in QUALITIES.items()}


def _degree(text: str) -> int:
    """Harte interval (`b7`, `#11`, `13`) -> semitones above the root, 0-11."""
    m = re.fullmatch(r"([#b]*)(\d+)", text.strip())
    if not m or int(m[2]) < 1:
        raise ValueError(f"not a Harte degree: {text!r}")
    return (_MAJOR_STEPS[(int(m[2]) - 1) % 7] + m[1].count("#") - m[1].count("b")) % 12


def nearest_quality(pcs: set[int] | frozenset[int]) -> str:
    """The vocabulary quality closest to a set of intervals: shared tones count, added tones count
    more against (a chord should not gain notes it lacks)."""
    return max(QUALITY_PCS, key=lambda q: 2 * len(QUALITY_PCS[q] & pcs) - 3 * len(QUALITY_PCS[q] - pcs))


def _fallback_chord(label: str) -> Chord | None:
    """Harte label with extensions the vocabulary lacks -> nearest simple chord (None if hopeless)."""
    m = _HARTE_PARTS.fullmatch(label)
    if not m:
        return None
    root = parse_pitch_class(m[1])
    shorthand = m[2] if m[2] is not None else "maj"
    if shorthand == "1" or (shorthand == "" and m[3]):
        pcs = {0}                                   # root only, tones listed in parentheses
    elif shorthand in _HARTE_BASE:
        pcs = set(QUALITY_PCS[_HARTE_BASE[shorthand]])
    else:                                           # unknown shorthand: triad, third from its name
        pcs = {0, 3, 7} if shorthand.startswith("min") else {0, 4, 7}
    for part in (m[3] or "").split(","):
        part = part.strip()
        try:
            if part.startswith("*"):
                pcs.discard(_degree(part[1:]))      # "*3": the third is omitted
            elif part:
                pcs.add(_degree(part))
        except ValueError:
            continue
    bass = None
    if m[4]:
        try:
            bass = (root + _degree(m[4])) % 12
        except ValueError:
            bass = None
    return Chord(root, nearest_quality(pcs), None if bass == root else bass)


# Harte shorthands without added tones, for rebuilding a label's tone set
_HARTE_BASE = {k: v for k, v in HARTE_QUALITIES.items() if "(" not in k and k != "1"}


@functools.lru_cache(maxsize=4096)
def parse_label(label: str) -> tuple[Chord | None, bool]:
    """Harte label -> (chord or None for no chord, whether the nearest-chord fallback was needed)."""
    text = label.strip()
    if text in NO_CHORD_LABELS:
        return None, False
    try:
        return parse_harte(text), False
    except ValueError:
        return _fallback_chord(text), True


class Timeline:
    """Builds contiguous chord spans; a chord equal to the one before extends it."""

    def __init__(self) -> None:
        self.spans: list[list] = []   # [start, end, chord]

    def add(self, start: float, end: float, chord: Chord | None) -> None:
        last_end = self.spans[-1][1] if self.spans else 0.0
        if start > last_end + EPS:                  # a gap: no chord there
            self.add(last_end, start, None)
        start = self.spans[-1][1] if self.spans else max(start, 0.0)  # overlaps: the earlier wins
        if end <= start + EPS:
            return
        if self.spans and self.spans[-1][2] == chord:
            self.spans[-1][1] = end
        else:
            self.spans.append([start, end, chord])

    def extend(self, end: float) -> None:
        """Billboard ".": the chord before goes on."""
        if self.spans:
            self.spans[-1][1] = end
        else:
            self.spans.append([0.0, end, None])

    def result(self) -> list[tuple[float, float, Chord | None]]:
        return [(round(s, 6) + 0.0, round(e, 6) + 0.0, c) for s, e, c in self.spans]  # no -0.0


# ---- keys ------------------------------------------------------------------------------------
_EXTRA_MODES = ("mixolydian", "dorian", "lydian", "phrygian")
MODE_MARGIN = 0.05   # another mode must fit this much better (share of chord-tone time)


def _tone_weights(chords: list[tuple[float, float, Chord | None]]) -> np.ndarray:
    w = np.zeros(12)
    for s, e, c in chords:
        if c is not None:
            w[list(c.pitch_classes)] += e - s
    return w


def _tonic_third(chords: list[tuple[float, float, Chord | None]], tonic: int) -> int | None:
    """3 or 4: the third of the chord on the tonic that sounds longest (None if no such chord)."""
    time = {3: 0.0, 4: 0.0}
    for s, e, c in chords:
        if c is not None and c.root == tonic:
            iv = set(c.intervals)
            if 4 in iv or 3 in iv:
                time[4 if 4 in iv else 3] += e - s
    return max(time, key=time.get) if any(time.values()) else None


def infer_mode(chords: list[tuple[float, float, Chord | None]], tonic: int,
               extra: tuple[str, ...] = _EXTRA_MODES, margin: float = MODE_MARGIN) -> str:
    """Major or minor: whichever scale holds more of the chord tones' time, the tonic chord's third
    breaking near-ties; another mode only when it fits `margin` better and agrees with that third."""
    w = _tone_weights(chords)
    total = w.sum()
    if not total:
        return "major"

    def fit(mode: str) -> float:
        return float(w[[(tonic + i) % 12 for i in MODES[mode]]].sum() / total)

    third = _tonic_third(chords, tonic)
    major, minor = fit("major"), fit("minor")
    if abs(major - minor) < 0.02 and third is not None:
        best = "major" if third == 4 else "minor"
    else:
        best = "major" if major >= minor else "minor"
    # other modes must agree with the tonic chord (no dorian under a major tonic chord)
    others = [m for m in extra if third is None or MODES[m][2] == third]
    if others and fit(top := max(others, key=fit)) > fit(best) + margin:
        best = top
    return best


# ---- Billboard -------------------------------------------------------------------------------
