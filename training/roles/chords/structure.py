"""Structure of a progression as a producer hears it: does it loop, does it stay in the key, and
does the genre change it?

- `phrase_repeats`: bars 5-8 repeat bars 1-4 chord for chord (the same chords at the same beats);
  held-out Billboard songs do it in about half their 8-bar lines, loop-based genres nearly always.
- `in_key_share`: the share of voiced notes in the key's scale.
- `evaluate_structure`: progressions at the service defaults per genre, over a grid of keys,
  modes, complexities and seeds, with the checks the gate applies.
"""

import itertools

import numpy as np

from beatengine.genres import GENRE_NAMES
from beatengine.midi_io import Note
from beatengine.roles.chords.generator import ChordGenerator, ChordParams
from beatengine.roles.chords.progression import Span
from beatengine.theory import Key, parse_key
from training.evaluation.checks import check

BARS = 8
LOOP_GENRES = ("trap", "drill", "house", "techno", "lofi")   # cycle a 2- or 4-bar loop
SONG_GENRES = ("pop", "rock")                                # vary the cadence, as Billboard does
MIN_LOOP_REPEATS, MIN_SONG_REPEATS = 0.9, 0.45
MIN_IN_KEY_MEAN, MIN_IN_KEY_WORST = 0.95, 0.85
MAX_TRAP_LOFI_SAME = 0.1
GRID_MODES = ("major", "minor", "dorian", "mixolydian", "phrygian")
GRID_COMPLEXITIES = (0.0, 0.5, 1.0)
SAME_KEYS = ("A minor", "C major", "F# minor", "E minor", "G major")


def bar_chords(spans: list[Span], beats_per_bar: float, bars: int) -> list[tuple]:
    """Per bar: the (offset in the bar, root, quality) of every chord sounding in it."""
    out = []
    for b in range(bars):
        a, z = b * beats_per_bar, (b + 1) * beats_per_bar
        out.append(tuple((round(max(s.start, a) - a, 3), s.chord.root, s.chord.quality)
                         for s in spans if s.start < z and s.end > a))
    return out


def phrase_repeats(spans: list[Span], beats_per_bar: float, line: int = 4) -> bool:
    """Whether bars line+1..2*line repeat bars 1..line bar for bar."""
    bars = bar_chords(spans, beats_per_bar, 2 * line)
    return bars[:line] == bars[line:]


def in_key_share(notes: list[Note], key: Key) -> float:
    scale = set(key.scale)
    return sum(n.pitch % 12 in scale for n in notes) / max(len(notes), 1)


def default_progression(gen: ChordGenerator, genre: str, key: str, seed: int, **controls):
    """The service's progression at its defaults (8 bars, a chord per bar, the genre's loop,
    complexity and colour) unless `controls` say otherwise."""
    p = ChordParams(key=parse_key(key), genre=genre, bars=BARS, seed=seed, **controls)
    return gen.generate(p)[0]


def evaluate_structure(gen: ChordGenerator, seeds: int = 20) -> dict:
    """{"by_genre": {genre: {"phrase_repeats", "in_key", "changes"}}, "in_key_grid": {...},
    "trap_lofi_same": share, "checks": [...]}."""
    by_genre = {}
    for genre in GENRE_NAMES:
        rows = []
        for seed in range(seeds):
            v = default_progression(gen, genre, "A minor", seed)
            changes = 1 + sum(a.chord != b.chord for a, b in zip(v.spans, v.spans[1:], strict=False))
            rows.append((phrase_repeats(v.spans, 4), in_key_share(v.notes, parse_key("A minor")),
                         changes))
        r = np.array(rows, float).mean(axis=0)
        by_genre[genre] = {"phrase_repeats": r[0], "in_key": r[1], "changes": r[2]}
    shares = [in_key_share(default_progression(gen, g, f"D {m}", s, complexity=cx).notes,
                           parse_key(f"D {m}"))
              for g, m, cx, s in itertools.product(GENRE_NAMES, GRID_MODES, GRID_COMPLEXITIES,
                                                   range(2))]
    pairs = list(itertools.product(SAME_KEYS, range(seeds // 2)))
    same = np.mean([[s.chord for s in default_progression(gen, "trap", k, s).spans]
                    == [s.chord for s in default_progression(gen, "lofi", k, s).spans]
                    for k, s in pairs])
    grid = {"requests": len(shares), "mean": float(np.mean(shares)), "worst": float(np.min(shares))}
    checks = [*(check(f"{g} bars 5-8 repeat 1-4", by_genre[g]["phrase_repeats"], MIN_LOOP_REPEATS)
                for g in LOOP_GENRES),
              *(check(f"{g} bars 5-8 repeat 1-4", by_genre[g]["phrase_repeats"], MIN_SONG_REPEATS)
                for g in SONG_GENRES),
              check("in key, mean over the grid", grid["mean"], MIN_IN_KEY_MEAN),
              check("in key, worst request of the grid", grid["worst"], MIN_IN_KEY_WORST),
              check("trap and lo-fi identical", float(same), maximum=MAX_TRAP_LOFI_SAME)]
    return {"by_genre": by_genre, "in_key_grid": grid, "trap_lofi_same": float(same),
            "checks": checks}
