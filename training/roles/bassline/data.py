"""The bassline's own training data: genre-rule basslines (`beatengine.roles.bassline.rules`) over
8-bar windows of real progressions, locked to the genre's drum-rule kicks where the drum rules know
the genre, beside the basslines POP909's piano gives (`training.roles.lines.data`)."""

import numpy as np

from beatengine.meter import STEPS_PER_BEAT
from beatengine.roles.bassline import rules as bass_rules
from beatengine.roles.drums import style_rules
from beatengine.roles.drums import vocab as DV
from training.roles.lines.data import LineHooks, chords_in, line_example
from training.seq.arrays import SeqExample
from training.sources.song import Song


def rule_bass_examples(role: LineHooks, songs: list[Song], per_genre: int, rng: np.random.Generator
                       ) -> list[SeqExample]:
    """Genre-rule basslines over 8-bar windows of real progressions, locked to the genre's drum-rule
    kicks where the drum rules know the genre."""
    pool = [s for s in songs if s.split == "train" and s.meter == "4/4" and s.n_bars >= 8]
    out = []
    if not pool:
        return out
    for genre in bass_rules.RULE_GENRES:
        for j in range(per_genre):
            song = pool[int(rng.integers(len(pool)))]
            start = int(rng.integers(0, song.n_bars - 7)) * 4
            chords = _no_gaps(chords_in(song, start, start + 32))
            if not chords:
                continue
            kicks = None
            kick_steps = None
            if genre in style_rules.RULE_GENRES:
                grid, _ = style_rules.generate(genre, rng, 8, "4/4", 0)
                kick_steps = grid.hits[:, DV.KICK]
                kicks = [t / STEPS_PER_BEAT for t in np.nonzero(kick_steps)[0]]
            spans = [(s, e - s, c) for s, e, c in chords]
            notes = bass_rules.bassline(genre, spans, kicks, rng)
            ex = line_example(role, notes, chords, song.key, "4/4", 8, genre, kick_steps)
            if ex is not None:
                split = "validation" if j % 10 == 0 else "train"
                out.append(SeqExample(*ex, f"rules/{genre}/{j}", split, "rules"))
    return out


def _no_gaps(chords: list) -> list:
    """A window's chords with no-chord spans filled by the chord before (or after) them, so the
    bass rules get a contiguous progression from beat 0; [] when the window has no chord."""
    known = [c for _, _, c in chords if c is not None]
    if not known:
        return []
    out, last = [], known[0]
    for s, e, c in chords:
        last = c if c is not None else last
        if out and out[-1][2] == last:
            out[-1] = (out[-1][0], e, last)
        else:
            out.append((s, e, last))
    return out
