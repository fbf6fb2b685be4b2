"""MIDI a user drops in `user_dir/<genre>/*.mid` (any General MIDI drum part on channel 10)."""

import logging
from pathlib import Path

from beatengine.genres import GENRE_INDEX
from training.sources.drum_midi import DrumExample, load_midi_grid, windows

log = logging.getLogger(__name__)


def load_user_dir(user_dir: Path) -> list[DrumExample]:
    """MIDI dropped in `user_dir/<genre>/`: 8-bar windows, every 10th file kept for validation."""
    out: list[DrumExample] = []
    if not user_dir.is_dir():
        return out
    for genre_dir in sorted(p for p in user_dir.iterdir() if p.is_dir()):
        if genre_dir.name not in GENRE_INDEX:
            log.warning("skipping %s: %r is not a genre", genre_dir, genre_dir.name)
            continue
        files = sorted([*genre_dir.glob("*.mid"), *genre_dir.glob("*.midi")])
        for i, path in enumerate(files):
            try:
                loaded = load_midi_grid(path)
            except ValueError as exc:
                log.warning("skipping %s: %s", path, exc)
                continue
            if loaded is None:
                continue
            grid, bpm = loaded
            split = "validation" if i % 10 == 9 else "train"
            out += [DrumExample(w, genre_dir.name, bpm, "user", split, str(path))
                    for w in windows(grid)]
    return out

