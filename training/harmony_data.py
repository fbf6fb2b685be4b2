"""Harmony training data: Billboard, POP909 and free-midi-chords songs in one representation.

Every source becomes a list of `Song`: chord spans in quarter-note beats counted from the first
downbeat, a key (tonic + mode), a metre, and where the source has them a melody (POP909), a bassline
derived from POP909's piano part, and section names (Billboard). The sets are read in place from
`../shared/datasets/...`; nothing is copied into the project.

Chord labels are Harte (`A:min7`, `F#:maj/5`); a label `beatengine.theory.parse_harte` does not know
is mapped to the nearest simple chord of the project's vocabulary and counted (`Song.n_fallback`).

`python -m training.harmony_data --config training/configs/local.json` prints a summary.
"""

import argparse
import csv
import json
import logging
import re
import statistics
from collections import Counter
from pathlib import Path

from beatengine.theory import (
    MODES,
    Chord,
    Key,
)
from training.billboard import load_billboard
from training.harmony_songs import (
    DEFAULT_PATHS,
    EPS,
    QUALITY_PCS,
    Song,
    Timeline,
    infer_mode,
    nearest_quality,
    split_of,
)
from training.pop909 import BASS_MIN_ALIGNMENT, load_pop909

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


# ---- all together ----------------------------------------------------------------------------
def load_harmony(cfg: dict, root: Path = Path(".")) -> list[Song]:
    """Songs of every source the config names ("billboard_dir", "pop909_dir", "fmc_csv", relative
    to `root`); a missing key or path skips that source. "max_songs" caps each source."""
    root = Path(root)
    cap = cfg.get("max_songs")
    songs: list[Song] = []
    sources = (("billboard_dir", Path.is_dir, load_billboard), ("pop909_dir", Path.is_dir, load_pop909),
               ("fmc_csv", Path.is_file, load_free_midi_chords))
    for cfg_key, exists, loader in sources:
        if not cfg.get(cfg_key):
            continue
        path = root / cfg[cfg_key]
        if not exists(path):
            log.info("%s: %s not found, skipped", cfg_key, path)
            continue
        songs += loader(path, max_songs=cap)
    return songs


def summarize(songs: list[Song]) -> dict:
    """Counts per source, split, genre, mode and metre; bars; label fallbacks; derived-bass checks."""
    def count(values) -> dict:
        return dict(sorted(Counter(values).items()))

    rates = [s.bass_alignment for s in songs if s.bass_alignment is not None]
    n_labels = sum(s.n_labels for s in songs)
    n_fallback = sum(s.n_fallback for s in songs)
    return {
        "songs": len(songs),
        "by_source": count(s.source for s in songs),
        "by_split": count(s.split for s in songs),
        "by_source_split": {src: count(s.split for s in songs if s.source == src)
                            for src in sorted({s.source for s in songs})},
        "by_genre": count(s.genre or "none" for s in songs),
        "by_mode": count(s.key.mode for s in songs),
        "by_meter": count(s.meter for s in songs),
        "bars": sum(s.n_bars for s in songs),
        "bars_by_source": {src: sum(s.n_bars for s in songs if s.source == src)
                           for src in sorted({s.source for s in songs})},
        "with_melody": sum(s.melody is not None for s in songs),
        "with_bass": sum(s.bass is not None for s in songs),
        "chord_labels": n_labels,
        "fallback_labels": n_fallback,
        "fallback_rate": round(n_fallback / n_labels, 4) if n_labels else 0.0,
        "bass_alignment": {
            "songs_checked": len(rates),
            "mean": round(statistics.fmean(rates), 3) if rates else None,
            "median": round(statistics.median(rates), 3) if rates else None,
            "songs_kept": sum(s.bass is not None for s in songs),
            "threshold": BASS_MIN_ALIGNMENT,
        },
    }


def data_config(cfg: dict) -> dict:
    """The harmony data section of a training config: "harmony" -> "data", else the chord role's
    "data", else the default dataset paths."""
    for section in ("harmony", "chords"):
        data = (cfg.get(section) or {}).get("data")
        if data:
            return data
    return dict(DEFAULT_PATHS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=None, help="training config JSON (default: dataset paths)")
    parser.add_argument("--max-songs", type=int, default=None, help="cap per source")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    cfg = json.loads(Path(args.config).read_text()) if args.config else {}
    data = dict(data_config(cfg))
    if args.max_songs is not None:
        data["max_songs"] = args.max_songs
    print(json.dumps(summarize(load_harmony(data)), indent=2))


if __name__ == "__main__":
    main()
