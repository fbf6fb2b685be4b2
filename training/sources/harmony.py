"""The public harmony datasets together: Billboard, POP909 and free-midi-chords as `Song`s.

Every source becomes a list of `Song` (`training.sources.song`): chord spans in quarter-note beats
counted from the first downbeat, a key (tonic + mode), a metre, and where the source has them a
melody (POP909), a bassline derived from POP909's piano part, and section names (Billboard). The sets
are read in place from `../shared/datasets/...`; nothing is copied into the project.

Chord labels are Harte (`A:min7`, `F#:maj/5`); a label `beatengine.theory.parse_harte` does not know
is mapped to the nearest simple chord of the project's vocabulary and counted (`Song.n_fallback`).
"""

import logging
import statistics
from collections import Counter
from pathlib import Path

from training.config import HarmonyData
from training.sources.billboard import load_billboard
from training.sources.free_midi_chords import load_free_midi_chords
from training.sources.pop909 import BASS_MIN_ALIGNMENT, load_pop909
from training.sources.song import Song

log = logging.getLogger(__name__)

# (config field, how the path must exist, loader)
SOURCES = (("billboard_dir", Path.is_dir, load_billboard), ("pop909_dir", Path.is_dir, load_pop909),
           ("fmc_csv", Path.is_file, load_free_midi_chords))


def load_harmony(cfg: HarmonyData, root: Path = Path(".")) -> list[Song]:
    """Songs of every dataset the config names (paths relative to `root`); an unset or missing path
    skips that source. `max_songs` caps each source."""
    songs: list[Song] = []
    for field, exists, loader in SOURCES:
        if not getattr(cfg, field):
            continue
        path = Path(root) / getattr(cfg, field)
        if not exists(path):
            log.info("%s: %s not found, skipped", field, path)
            continue
        songs += loader(path, max_songs=cfg.max_songs)
    return songs


def summarize(songs: list[Song]) -> dict:
    """Counts per source, split, genre, mode and metre; bars; label fallbacks; derived-bass checks."""
    def count(values) -> dict:
        return dict(sorted(Counter(values).items()))

    sources = sorted({s.source for s in songs})
    n_labels = sum(s.n_labels for s in songs)
    n_fallback = sum(s.n_fallback for s in songs)
    return {
        "songs": len(songs),
        "by_source": count(s.source for s in songs),
        "by_split": count(s.split for s in songs),
        "by_source_split": {src: count(s.split for s in songs if s.source == src) for src in sources},
        "by_genre": count(s.genre or "none" for s in songs),
        "by_mode": count(s.key.mode for s in songs),
        "by_meter": count(s.meter for s in songs),
        "bars": sum(s.n_bars for s in songs),
        "bars_by_source": {src: sum(s.n_bars for s in songs if s.source == src) for src in sources},
        "with_melody": sum(s.melody is not None for s in songs),
        "with_bass": sum(s.bass is not None for s in songs),
        "chord_labels": n_labels,
        "fallback_labels": n_fallback,
        "fallback_rate": round(n_fallback / n_labels, 4) if n_labels else 0.0,
        "bass_alignment": _bass_alignment(songs),
    }


def _bass_alignment(songs: list[Song]) -> dict:
    rates = [s.bass_alignment for s in songs if s.bass_alignment is not None]
    return {
        "songs_checked": len(rates),
        "mean": round(statistics.fmean(rates), 3) if rates else None,
        "median": round(statistics.median(rates), 3) if rates else None,
        "songs_kept": sum(s.bass is not None for s in songs),
        "threshold": BASS_MIN_ALIGNMENT,
    }
