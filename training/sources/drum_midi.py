"""Drum MIDI as grids: the `DrumExample` every drum source yields, a file read as a `DrumGrid`
over its whole bars, and the 8-bar windows the drum model trains on."""

from dataclasses import dataclass
from pathlib import Path

from beatengine.meter import STEPS_PER_BAR, STEPS_PER_BEAT
from beatengine.midi_io import DRUM_CHANNEL
from beatengine.midi_reader import read_midi
from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.grid import DrumGrid, quantize

WINDOW_BARS = 8
HOP_BARS = 4
NOTE_TO_PIECE = {**V.GM_EXTRA_TO_PIECE, **V.TD11_TO_PIECE}


@dataclass
class DrumExample:
    grid: DrumGrid
    genre: str
    bpm: float
    source: str   # "gmd" | "user" | "rules"
    split: str    # "train" | "validation"
    origin: str = ""  # the file (performance, song) it came from: splits and originality group by it


def hits_per_bar(grid: DrumGrid) -> float:
    return float(grid.hits.sum()) / max(1, grid.n_bars)


def _bars_of(parsed_length: float, meter: str) -> int:
    return int(parsed_length * STEPS_PER_BEAT) // STEPS_PER_BAR[meter]


def windows(grid: DrumGrid, bars: int = WINDOW_BARS, hop: int = HOP_BARS) -> list[DrumGrid]:
    """Windows of `bars` bars; near-silent ones (under 2 hits a bar: count-ins, gaps) are dropped."""
    if grid.n_bars <= bars:
        windows = [grid] if grid.n_bars >= 2 else []
    else:
        windows = [grid.bars(s, s + bars) for s in range(0, grid.n_bars - bars + 1, hop)]
    return [w for w in windows if hits_per_bar(w) >= 2]


def load_midi_grid(path: Path | str | bytes, meter: str | None = None,
                   is_fill: bool = False) -> tuple[DrumGrid, float] | None:
    """A drum file as a grid over its whole bars, and its tempo; None if it has no drums."""
    parsed = read_midi(str(path) if isinstance(path, Path) else path)
    meter = meter or parsed.time_signature
    if meter not in STEPS_PER_BAR:
        return None
    notes = parsed.notes_by_channel.get(DRUM_CHANNEL, [])
    n_bars = max(1, _bars_of(parsed.length_beats, meter)) if is_fill else _bars_of(
        parsed.length_beats, meter)
    if not notes or n_bars < 1:
        return None
    return quantize(notes, NOTE_TO_PIECE, meter, n_bars, is_fill), parsed.bpm
