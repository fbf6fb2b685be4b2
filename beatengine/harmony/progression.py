"""Chord progressions on the beat grid: what a request's `chords` means, and what comes back."""

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


def parse_items(items: list, beats_per_bar: float) -> list[tuple[float, Chord | None, str | None]]:
    """Request items -> (beats, chord, symbol): a string is one bar, {"symbol", "beats"} its beats,
    None a bar left for the engine to write. Raises UnsupportedRequest naming an unknown symbol."""
    out = []
    for item in items:
        if item is None:
            out.append((beats_per_bar, None, None))
            continue
        symbol, beats = (item, beats_per_bar) if isinstance(item, str) else item
        try:
            out.append((float(beats), parse_chord(symbol), symbol.strip()))
        except ValueError as exc:
            raise UnsupportedRequest(f"unknown chord symbol {symbol!r}: {exc}") from exc
    return out


def timeline(items: list[tuple[float, Chord | None, str | None]], total_beats: float,
             loop: bool) -> list[tuple[float, float, Chord | None, str | None]]:
    """Lay the items end to end from beat 0 up to `total_beats` (cut at the end); with `loop`, a
    progression shorter than the clip repeats, as a chord loop does in a DAW."""
    out: list[tuple[float, float, Chord | None, str | None]] = []
    t = 0.0
    while t < total_beats and items:
        for beats, chord, symbol in items:
            if t >= total_beats:
                break
            out.append((t, min(t + beats, total_beats), chord, symbol))
            t += beats
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
