"""free-midi-chords (`progressions.csv`: Roman-numeral progressions) as `Song`s in C."""

import csv
import logging
import re
from pathlib import Path

from beatengine.theory import MODES, Chord, Key
from training.sources.song import EPS, QUALITY_PCS, Song, Timeline, infer_mode, nearest_quality, split_of

log = logging.getLogger(__name__)


_NUMERAL = re.compile(r"([#b]*)(VII|VI|V|IV|III|II|I)(.*)", re.IGNORECASE)
_ROMAN_DEGREE = {"I": 0, "II": 1, "III": 2, "IV": 3, "V": 4, "VI": 5, "VII": 6}
# chords2midi (mingus) suffixes -> vocabulary quality; "" and "7" are the scale's own triad / 7th
_FMC_SUFFIX = {"M": "", "m": "m", "dim": "dim", "dim7": "dim7", "aug": "aug", "m7": "m7", "M7": "maj7",
               "dom7": "7", "m9": "m9", "M9": "maj9", "9": "9", "6": "6", "M6": "6", "m6": "m6",
               "69": "6/9", "sus2": "sus2", "sus4": "sus4", "add9": "add9", "madd9": "madd9",
               "mM7": "mMaj7", "5": "5"}
_FMC_ODD = {"M-5": {0, 4, 6}, "M7+5": {0, 4, 8, 11}}   # no vocabulary quality: nearest one
_FMC_MODES = {"major": "major", "minor": "minor", "ionian": "major", "aeolian": "minor"}


def _diatonic_quality(scale: tuple[int, ...], degree: int, tones: int) -> str:
    """Quality of the triad (3 tones) or seventh chord (4) stacked in thirds on a scale degree."""
    root = scale[degree]
    pcs = frozenset((scale[(degree + 2 * k) % 7] - root) % 12 for k in range(tones))
    return next((q for q, p in QUALITY_PCS.items() if p == pcs), nearest_quality(pcs))


def parse_numeral(token: str, scale: tuple[int, ...]) -> tuple[Chord, bool]:
    """chords2midi numeral (`bVIIM`, `ivm7`, `V7`, `IM-5`) over a scale of intervals from C ->
    (chord, needed fallback). As chords2midi renders them, the numeral's case does not set the
    quality: no suffix is the scale's own triad and `7` its own seventh chord."""
    m = _NUMERAL.fullmatch(token.strip())
    if not m:
        raise ValueError(f"not a Roman numeral chord: {token!r}")
    degree = _ROMAN_DEGREE[m[2].upper()]
    root = (scale[degree] + m[1].count("#") - m[1].count("b")) % 12
    suffix = m[3]
    if suffix in ("", "7"):
        return Chord(root, _diatonic_quality(scale, degree, 3 if suffix == "" else 4)), False
    if suffix in _FMC_SUFFIX:
        return Chord(root, _FMC_SUFFIX[suffix]), False
    if suffix in _FMC_ODD:
        return Chord(root, nearest_quality(_FMC_ODD[suffix])), True
    raise ValueError(f"unknown chord suffix {suffix!r} in {token!r}")


def load_free_midi_chords(csv_path: Path, bars_per_chord: int = 1, max_songs: int | None = None
                          ) -> list[Song]:
    """progressions.csv rows -> Songs in C, one 4/4 bar (or `bars_per_chord`) per chord. Major and
    minor rows are in the scale named; "modal" rows are written against C major (Ionian) and get the
    mode their chord tones fit best. A row repeating an earlier one is skipped."""
    songs, seen = [], set()
    with Path(csv_path).open(newline="", encoding="utf-8") as f:
        for index, row in enumerate(csv.DictReader(f)):
            mode_col = (row.get("mode") or "").strip().lower()
            numerals = (row.get("roman_numerals") or "").split()
            if not numerals or (mode_col, tuple(numerals)) in seen:
                continue
            seen.add((mode_col, tuple(numerals)))
            mode = _FMC_MODES.get(mode_col, mode_col if mode_col in MODES else None)
            scale = MODES[mode or "major"]
            timeline, n_fallback, bar = Timeline(), 0, 4.0 * bars_per_chord
            try:
                for i, token in enumerate(numerals):
                    chord, fell_back = parse_numeral(token, scale)
                    n_fallback += fell_back
                    timeline.add(i * bar, (i + 1) * bar, chord)
            except ValueError as exc:
                log.info("fmc row %d skipped: %s", index, exc)
                continue
            chords = timeline.result()
            if mode is None:                          # "modal": from the chords, any mode
                mode = infer_mode(chords, 0, extra=tuple(m for m in MODES if m not in ("major", "minor")),
                                  margin=EPS)
            song_id = f"fmc/{index}"
            songs.append(Song(song_id, "fmc", split_of(song_id), None, Key(0, mode), "4/4", None, chords,
                              None, None, None, len(numerals), n_fallback))
            if max_songs is not None and len(songs) >= max_songs:
                break
    return songs
