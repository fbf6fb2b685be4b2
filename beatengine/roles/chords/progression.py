"""Chord progressions on the beat grid: what a request's `chords` means, and what comes back."""

import math
from dataclasses import dataclass

from beatengine.errors import UnsupportedRequest
from beatengine.theory import Chord, parse_chord


@dataclass(frozen=True)
class Span:
    start: float        # beats from the clip start
    end: float
    chord: Chord
    symbol: str         # as the client wrote it (locked chords come back exactly), else generated

    @property
    def beats(self) -> float:
        return self.end - self.start


STEPS_PER_BEAT = 4   # chord lengths live on the 16th grid


def grid_steps(beats: float) -> int:
    """A chord length in whole 16ths, checked exactly (no float tolerance: 1e-9 beats is not 0);
    raises UnsupportedRequest for anything shorter than a 16th or off the grid."""
    steps = float(beats) * STEPS_PER_BEAT
    if not math.isfinite(steps) or steps < 1 or not steps.is_integer():
        raise UnsupportedRequest(f"a chord length of {beats} beats is not a whole number of 16ths "
                                 "(0.25 beats) of at least one 16th")
    return int(steps)


def parse_items(items: list, beats_per_bar: float) -> list[tuple[float, Chord | None, str | None]]:
    """Request items -> (beats, chord, symbol): a string is one bar, {"symbol", "beats"} its beats,
    None a bar left for the engine to write. Raises UnsupportedRequest naming an unknown symbol or
    a length off the 16th grid."""
    out = []
    for item in items:
        if item is None:
            out.append((beats_per_bar, None, None))
            continue
        symbol, beats = (item, beats_per_bar) if isinstance(item, str) else item
        grid_steps(beats)
        try:
            out.append((float(beats), parse_chord(symbol), symbol.strip()))
        except ValueError as exc:
            raise UnsupportedRequest(f"unknown chord symbol {symbol!r}: {exc}") from exc
    return out


def timeline(items: list[tuple[float, Chord | None, str | None]], total_beats: float,
             loop: bool) -> list[tuple[float, float, Chord | None, str | None]]:
    """Lay the items end to end from beat 0 up to `total_beats` (cut at the end); with `loop`, a
    progression shorter than the clip repeats, as a chord loop does in a DAW. Counted in whole
    16ths, so every item moves time on by at least one step and the spans are at most the clip's
    16ths: the loop ends however the items were written."""
    out: list[tuple[float, float, Chord | None, str | None]] = []
    lengths = [grid_steps(beats) for beats, _, _ in items]
    total = int(math.ceil(total_beats * STEPS_PER_BEAT))
    t = 0
    while t < total and items:
        for (_, chord, symbol), steps in zip(items, lengths, strict=True):
            if t >= total:
                break
            out.append((t / STEPS_PER_BEAT, min(t + steps, total) / STEPS_PER_BEAT, chord, symbol))
            t += steps
        if not loop:
            break
    return out


def spans_of(items: list, beats_per_bar: float, total_beats: float) -> list[Span]:
    """A progression to follow (bassline, melody): every item must name a chord; looped to fill."""
    parsed = parse_items(items, beats_per_bar)
    if any(chord is None for _, chord, _ in parsed):
        raise UnsupportedRequest("chords to follow cannot contain empty (null) bars")
    return [Span(s, e, c, sym) for s, e, c, sym in timeline(parsed, total_beats, loop=True)]


def chords_out(spans: list[Span]) -> list[dict]:
    return [{"symbol": s.symbol, "start": round(s.start, 4), "beats": round(s.beats, 4)}
            for s in spans]
