"""A section that returns replays the parts it played the first time, as a producer copies a
chorus: the same bars, cut to the new length, keeping the first time's last bar (its fill) where
the new one also hands over with a fill. Bars are only replayed over the same chords."""

from beatengine.midi_io import Note
from beatengine.roles.chords.progression import Span


def bar_map(first_bars: int, bars: int, first_fill: bool, fill: bool) -> list[int] | None:
    """For each bar of the returning section, the bar of the first time it replays (None: the
    section cannot be a copy: it is longer, or needs a fill the first time lacked). A return
    that ends the song without a fill plays, for the first time's fill bar, the bar a phrase
    earlier."""
    if bars > first_bars or (fill and not first_fill):
        return None
    if fill:                                  # the groove's bars, then the first time's fill bar
        last = first_bars - 1
    elif not first_fill or bars < first_bars:
        last = bars - 1
    elif bars > 4:
        last = bars - 5
    else:
        return None
    return [*range(bars - 1), last]


def _bar_chords(spans: list[Span], bar: int, bar_beats: int) -> tuple:
    a, b = bar * bar_beats, (bar + 1) * bar_beats
    return tuple((round(max(s.start, a) - a, 4), round(min(s.end, b) - a, 4), s.symbol)
                 for s in spans if s.start < b and s.end > a)


def chords_match(first: list[Span], spans: list[Span], bars: list[int], bar_beats: int) -> bool:
    """Whether every bar of the new section has the chords of the bar it replays."""
    return all(_bar_chords(spans, b, bar_beats) == _bar_chords(first, src, bar_beats)
               for b, src in enumerate(bars))


def remap(notes: list[Note], bars: list[int], bar_beats: int) -> list[Note]:
    """The notes of the first time laid out bar by bar as `bars` says (a note belongs to the bar
    of its nearest 16th, so a hit a little early still moves with its bar)."""
    by_bar: dict[int, list[Note]] = {}
    for n in notes:
        by_bar.setdefault(int(round(n.start * 4) / 4 // bar_beats), []).append(n)
    out = []
    for b, src in enumerate(bars):
        shift = (b - src) * bar_beats
        out += [Note(n.pitch, round(n.start + shift, 6), n.duration, n.velocity)
                for n in by_bar.get(src, [])]
    return out
