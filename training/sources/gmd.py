"""The Groove MIDI Dataset (`gmd_dir` with its info.csv): TD-11 notes mapped to the kit pieces of
`beatengine.roles.drums.vocab`, quantized to 16ths keeping each hit's velocity and microtiming,
sliced into 8-bar windows (hop 4 bars); each short fill clip is spliced after 3 bars of a beat by the
same drummer in the same style, so the model learns how grooves run into fills."""

import csv
from pathlib import Path

import numpy as np

from beatengine.genres import gmd_style_to_genre
from beatengine.roles.drums.grid import DrumGrid
from training.sources.drum_midi import DrumExample, load_midi_grid, windows

GMD_METERS = {"4-4": "4/4", "3-4": "3/4", "6-8": "6/8"}


def load_gmd(gmd_dir: Path, rng: np.random.Generator) -> list[DrumExample]:
    """All GMD train/validation examples (beat windows and spliced fills)."""
    rows = list(csv.DictReader(open(gmd_dir / "info.csv", newline="")))
    beats: dict[tuple[str, str, str], list[tuple[DrumGrid, float]]] = {}
    fills: list[tuple[dict, DrumGrid, float]] = []
    out: list[DrumExample] = []
    for row in rows:
        split, meter = row["split"], GMD_METERS.get(row["time_signature"])
        genre = gmd_style_to_genre(row["style"])
        if split not in ("train", "validation") or meter is None or genre is None:
            continue
        loaded = load_midi_grid(gmd_dir / row["midi_filename"], meter, row["beat_type"] == "fill")
        if loaded is None:
            continue
        grid, _ = loaded
        bpm = float(row["bpm"])
        if row["beat_type"] == "fill":
            fills.append((row, grid.bars(0, min(grid.n_bars, 2)), bpm))
            continue
        beats.setdefault((row["drummer"], row["style"], split), []).append((grid, bpm))
        out += [DrumExample(w, genre, bpm, "gmd", split, row["midi_filename"]) for w in windows(grid)]
    for row, fill, bpm in fills:
        lead = beats.get((row["drummer"], row["style"], row["split"]))
        parts = [fill]
        if lead:
            grid, _ = min(lead, key=lambda gb: abs(gb[1] - bpm))
            if grid.n_bars >= 3:
                s = int(rng.integers(0, grid.n_bars - 2))
                parts = [grid.bars(s, s + 3), fill]
        out.append(DrumExample(DrumGrid.concat(parts), gmd_style_to_genre(row["style"]), bpm, "gmd",
                           row["split"], row["midi_filename"]))
    return out

