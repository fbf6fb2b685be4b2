"""Music theory: pitch classes, keys and modes, chord symbols (pop and Harte notation).

Pure functions over pitch classes (0 = C). Chord symbols follow lead-sheet habits: `Am7`, `F/A`,
`Bbmaj7`, `C#m7b5`, `Gsus4`, `D9`; Harte labels as in POP909 and Billboard: `A:min7`, `F#:min/b3`.
"""

import functools
import re
from dataclasses import dataclass

PITCH_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_LETTER = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
}
MODE_ALIASES = {"maj": "major", "ionian": "major", "min": "minor", "m": "minor",
                "aeolian": "minor", "harmonic minor": "harmonic_minor"}
# semitones from the mode's tonic to its relative major's tonic (for key signatures)
_TO_RELATIVE_MAJOR = {"major": 0, "minor": 3, "dorian": 10, "phrygian": 8, "lydian": 7,
                      "mixolydian": 5, "locrian": 1, "harmonic_minor": 3}


def parse_pitch_class(name: str) -> int:
    """`C`, `C#`, `Db`, `Bb`, `E#`, `Cb` (also ♯/♭) -> 0-11. Raises ValueError."""
    text = name.strip().replace("♯", "#").replace("♭", "b")
    if not text or text[0].upper() not in _LETTER or any(c not in "#b" for c in text[1:]):
        raise ValueError(f"not a note name: {name!r}")
    return (_LETTER[text[0].upper()] + text.count("#") - text.count("b")) % 12


@dataclass(frozen=True)
class Key:
    tonic: int   # pitch class
    mode: str    # a MODES name

    @property
    def scale(self) -> tuple[int, ...]:
        """Pitch classes of the scale, tonic first."""
        return tuple((self.tonic + i) % 12 for i in MODES[self.mode])

    def __str__(self) -> str:
        return f"{PITCH_NAMES[self.tonic]} {self.mode.replace('_', ' ')}"

    def midi_key_signature(self) -> str:
        """The key signature name mido writes (modes use their relative major's signature)."""
        if self.mode == "minor":
            return PITCH_NAMES[self.tonic] + "m"
        return PITCH_NAMES[(self.tonic + _TO_RELATIVE_MAJOR[self.mode]) % 12]


def parse_key(text: str) -> Key:
    """`A minor`, `F# major`, `D dorian`, `Am`, `Eb` -> Key. Raises ValueError naming the problem."""
    t = text.strip()
    m = re.fullmatch(r"([A-Ga-g][#b♯♭]?)\s*(.*)", t)
    if not m:
        raise ValueError(f"not a key: {text!r} (expected e.g. 'A minor', 'F# major', 'D dorian')")
    mode = m[2].strip().lower().replace("-", " ") or "major"
    mode = MODE_ALIASES.get(mode, mode).replace(" ", "_")
    if mode not in MODES:
        raise ValueError(f"unknown mode {m[2]!r} in key {text!r}; modes: {', '.join(MODES)}")
    return Key(parse_pitch_class(m[1]), mode)


# ---- chords ----------------------------------------------------------------------------------
# quality suffix -> intervals above the root; the first spelling is the one `Chord.symbol` prints
QUALITIES: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7), "m": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8), "5": (0, 7),
    "sus2": (0, 2, 7), "sus4": (0, 5, 7), "6": (0, 4, 7, 9), "m6": (0, 3, 7, 9),
    "7": (0, 4, 7, 10), "maj7": (0, 4, 7, 11), "m7": (0, 3, 7, 10), "mMaj7": (0, 3, 7, 11),
    "m7b5": (0, 3, 6, 10), "dim7": (0, 3, 6, 9), "7sus4": (0, 5, 7, 10), "aug7": (0, 4, 8, 10),
    "add9": (0, 4, 7, 14), "madd9": (0, 3, 7, 14), "9": (0, 4, 7, 10, 14),
    "maj9": (0, 4, 7, 11, 14), "m9": (0, 3, 7, 10, 14), "7b9": (0, 4, 7, 10, 13),
    "7#9": (0, 4, 7, 10, 15), "11": (0, 4, 7, 10, 14, 17), "m11": (0, 3, 7, 10, 14, 17),
    "13": (0, 4, 7, 10, 14, 21), "maj13": (0, 4, 7, 11, 14, 21), "m13": (0, 3, 7, 10, 14, 21),
    "6/9": (0, 4, 7, 9, 14),
}
QUALITY_ALIASES = {
    "maj": "", "M": "", "min": "m", "-": "m", "mi": "m", "°": "dim", "o": "dim", "+": "aug",
    "M7": "maj7", "Δ": "maj7", "Δ7": "maj7", "ma7": "maj7", "min7": "m7", "-7": "m7",
    "ø": "m7b5", "ø7": "m7b5", "min7b5": "m7b5", "-7b5": "m7b5", "o7": "dim7", "°7": "dim7",
    "sus": "sus4", "7sus": "7sus4", "+7": "aug7", "7#5": "aug7", "mM7": "mMaj7",
    "minmaj7": "mMaj7", "M9": "maj9", "min9": "m9", "2": "add9", "dom7": "7", "69": "6/9",
}
# Harte shorthand -> our quality
HARTE_QUALITIES = {
    "maj": "", "min": "m", "dim": "dim", "aug": "aug", "sus2": "sus2", "sus4": "sus4",
    "maj6": "6", "min6": "m6", "7": "7", "maj7": "maj7", "min7": "m7", "minmaj7": "mMaj7",
    "hdim7": "m7b5", "dim7": "dim7", "9": "9", "maj9": "maj9", "min9": "m9", "11": "11",
    "min11": "m11", "13": "13", "maj13": "maj13", "min13": "m13", "sus4(b7)": "7sus4",
    "5": "5", "1": "5", "7(#9)": "7#9", "maj(9)": "add9", "min(9)": "madd9",
    # Billboard spellings of vocabulary chords (same tones)
    "aug(b7)": "aug7", "7(b9)": "7b9", "maj6(9)": "6/9", "7(9)": "9", "maj7(9)": "maj9",
    "min7(9)": "m9", "maj(b7)": "7", "min(b7)": "m7", "maj(6)": "6", "min(6)": "m6",
}
_HARTE_DEGREES = {"1": 0, "b2": 1, "2": 2, "b3": 3, "3": 4, "4": 5, "#4": 6, "b5": 6, "5": 7,
                  "#5": 8, "b6": 8, "6": 9, "bb7": 9, "b7": 10, "7": 11, "9": 2, "b9": 1,
                  "#9": 3, "11": 5, "#11": 6, "b13": 8, "13": 9}


@dataclass(frozen=True)
class Chord:
    root: int                 # pitch class
    quality: str              # a QUALITIES key
    bass: int | None = None   # slash bass pitch class, None = root

    @property
    def intervals(self) -> tuple[int, ...]:
        return QUALITIES[self.quality]

    @property
    def pitch_classes(self) -> frozenset[int]:
        return _pitch_classes(self.root, self.quality, self.bass)

    @property
    def bass_pc(self) -> int:
        return self.root if self.bass is None else self.bass

    @property
    def symbol(self) -> str:
        text = PITCH_NAMES[self.root] + self.quality
        return text if self.bass is None or self.bass == self.root else (
            f"{text}/{PITCH_NAMES[self.bass]}")


@functools.lru_cache(maxsize=4096)
def _pitch_classes(root: int, quality: str, bass: int | None) -> frozenset[int]:
    """Cached: decoding asks for the same few chords' tones at every step."""
    pcs = {(root + i) % 12 for i in QUALITIES[quality]}
    return frozenset(pcs | ({bass} if bass is not None else set()))


_SYMBOL = re.compile(r"([A-G][#b♯♭]?)(6/9|[^/]*)(?:/([A-G][#b♯♭]?))?")  # 6/9 is a quality, not a slash


def parse_chord(symbol: str) -> Chord:
    """`Am7`, `F/A`, `Bbmaj7`, `C#m7b5`, `Gsus4`, `D9`, or Harte `A:min7/b3`. Raises ValueError
    naming the symbol."""
    text = symbol.strip()
    if ":" in text or text == "N":
        return parse_harte(text)
    m = _SYMBOL.fullmatch(text)
    if not m:
        raise ValueError(f"unknown chord symbol {symbol!r}")
    quality = QUALITY_ALIASES.get(m[2], m[2])
    if quality not in QUALITIES:
        raise ValueError(f"unknown chord symbol {symbol!r}: quality {m[2]!r} is not known")
    bass = parse_pitch_class(m[3]) if m[3] else None
    return Chord(parse_pitch_class(m[1]), quality, bass)


def parse_harte(label: str) -> Chord:
    """Harte label (`B:maj`, `F#:min7/b7`, `C:sus4(b7)`) -> Chord. `N` (no chord) raises."""
    m = re.fullmatch(r"([A-G][#b]*):?([^/]*)(?:/(.+))?", label.strip())
    if not m or label.strip() == "N":
        raise ValueError(f"not a chord: {label!r}")
    quality = HARTE_QUALITIES.get(m[2] or "maj")
    if quality is None:
        raise ValueError(f"unknown Harte quality {m[2]!r} in {label!r}")
    root = parse_pitch_class(m[1])
    bass = None
    if m[3]:
        if m[3] not in _HARTE_DEGREES:
            raise ValueError(f"unknown Harte bass degree {m[3]!r} in {label!r}")
        bass = (root + _HARTE_DEGREES[m[3]]) % 12
    return Chord(root, quality, bass)


def infer_key(chords: list[Chord]) -> Key:
    """The major or minor key that fits a progression best: most chord tones in its scale, with a
    bonus when the first or last chord is the key's tonic chord (songs start and end at home)."""
    if not chords:
        raise ValueError("cannot infer a key from no chords")
    best, best_score = Key(0, "major"), -1.0
    for mode, tonic_quality in (("major", ""), ("minor", "m")):
        for tonic in range(12):
            key = Key(tonic, mode)
            scale = set(key.scale)
            score = sum(len(c.pitch_classes & scale) / len(c.pitch_classes) for c in chords)
            for c in (chords[0], chords[-1]):
                if c.root == tonic:
                    score += 0.75 if c.quality.startswith(tonic_quality) and (
                        mode == "minor") == c.quality.startswith("m") else 0.25
            if score > best_score + 1e-9:
                best, best_score = key, score
    return best


# Krumhansl-Kessler key profiles (probe-tone ratings), tonic first
_KK_MAJOR = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
_KK_MINOR = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)


def pitch_class_weights(notes) -> list[float]:
    """Duration-weighted pitch-class histogram of notes (anything with .pitch and .duration)."""
    w = [0.0] * 12
    for n in notes:
        w[n.pitch % 12] += n.duration
    return w


def ks_key(notes) -> Key | None:
    """Krumhansl-Schmuckler: the major or minor key whose profile correlates best with the notes'
    duration-weighted pitch classes (None for no notes)."""
    w = pitch_class_weights(notes)
    if not any(w):
        return None
    best, best_r = None, -2.0
    for mode, profile in (("major", _KK_MAJOR), ("minor", _KK_MINOR)):
        for tonic in range(12):
            r = _corr(w, [profile[(pc - tonic) % 12] for pc in range(12)])
            if r > best_r:
                best, best_r = Key(tonic, mode), r
    return best


def _corr(a: list[float], b: list[float]) -> float:
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True))
    va = sum((x - ma) ** 2 for x in a) ** 0.5
    vb = sum((y - mb) ** 2 for y in b) ** 0.5
    return cov / (va * vb) if va and vb else 0.0


def estimate_chords(notes, n_bars: int, beats_per_bar: float) -> list[tuple[float, float, Chord]]:
    """One chord per bar for MIDI with no chord track: the major, minor, dominant-7th or minor-7th
    chord whose tones hold most of the bar's sounding time (ties: the lower root)."""
    templates = [(q, QUALITIES[q]) for q in ("", "m", "7", "m7")]
    out = []
    prev = Chord(0, "")
    for bar in range(n_bars):
        a, b = bar * beats_per_bar, (bar + 1) * beats_per_bar
        w = [0.0] * 12
        for n in notes:
            overlap = min(n.start + n.duration, b) - max(n.start, a)
            if overlap > 0:
                w[n.pitch % 12] += overlap * (2.0 if n.pitch < 52 else 1.0)  # the bass counts more
        if not any(w):
            out.append((a, b, prev))
            continue
        total = sum(w)
        scored = []
        for q, iv in templates:
            for root in range(12):
                inside = sum(w[(root + i) % 12] for i in iv)
                scored.append((inside - 0.25 * len(iv) * total / 12 - 0.1 * (total - inside),
                               -root, -len(iv), q))
        score, neg_root, _, quality = max(scored)
        chord = Chord(-neg_root, quality)
        out.append((a, b, chord))
        prev = chord
    return out
