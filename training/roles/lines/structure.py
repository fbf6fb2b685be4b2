"""Idiom measures of a line (bassline or melody) on the 16th grid, as a producer checks them:
where the onsets fall (off-beat 8ths for house bass, beat 1 left empty for a reggae one drop, the
odd 16ths a sung melody syncopates on), jazz walking (four quarter notes a bar, mostly steps), how
big the leaps into downbeats are, and the share of notes on chord tones (too many is a miss too).
"""

import itertools

import numpy as np

from beatengine.genres import GENRE_NAMES
from beatengine.meter import STEPS_PER_BEAT
from beatengine.midi_io import Note
from beatengine.roles import ROLES
from beatengine.roles.chords.progression import Span, spans_of
from beatengine.roles.lines.generator import LineGenerator, LineParams
from beatengine.theory import parse_key
from training.evaluation import measures

EPS = 1e-6
BARS, SPB = 8, 16
FOLLOW = ("Am", "F", "C", "G")           # the progression the default lines follow (A minor)


def onsets(notes: list[Note]) -> np.ndarray:
    """(N,) onset of each note in 16th steps (sorted)."""
    return np.array(sorted(int(round(n.start * STEPS_PER_BEAT)) for n in notes), int)


def offbeat_eighth_share(notes: list[Note]) -> float:
    """Share of notes on the "and" of a beat (16th steps 2, 6, 10, 14)."""
    t = onsets(notes)
    return float(np.mean(t % 4 == 2)) if len(t) else float("nan")


def odd_sixteenth_share(notes: list[Note]) -> float:
    """Share of notes on an odd 16th (the "e" and "a" of a beat)."""
    t = onsets(notes)
    return float(np.mean(t % 2 == 1)) if len(t) else float("nan")


def _bar_onsets(notes: list[Note], spb: int, bars: int) -> list[set[int]]:
    out: list[set[int]] = [set() for _ in range(bars)]
    for t in onsets(notes):
        if t // spb < bars:
            out[t // spb].add(int(t % spb))
    return out


def walking_bar_share(notes: list[Note], spb: int, bars: int) -> float:
    """Share of bars whose onsets are exactly the four quarter notes."""
    quarters = set(range(0, spb, STEPS_PER_BEAT))
    return float(np.mean([b == quarters for b in _bar_onsets(notes, spb, bars)]))


def step_move_share(notes: list[Note], semitones: int = 2) -> float:
    """Share of moves between consecutive notes of at most `semitones` (repeats excluded)."""
    p = np.array([n.pitch for n in sorted(notes, key=lambda n: n.start)])
    moves = np.abs(np.diff(p))
    moves = moves[moves > 0]
    return float(np.mean(moves <= semitones)) if len(moves) else float("nan")


def beat_one_empty_share(notes: list[Note], spb: int, bars: int) -> float:
    """Share of bars in which nothing sounds at beat 1 (no onset there and no note held over it)."""
    beats = spb / STEPS_PER_BEAT
    empty = [not any(n.start - EPS <= b * beats < n.start + n.duration - EPS for n in notes)
             for b in range(bars)]
    return float(np.mean(empty))


def downbeat_leap_share(notes: list[Note], spb: int, semitones: int = 12) -> float:
    """Share of notes on a downbeat reached by a leap of at least `semitones`."""
    ns = sorted(notes, key=lambda n: n.start)
    leaps = [abs(b.pitch - a.pitch) >= semitones for a, b in zip(ns, ns[1:], strict=False)
             if int(round(b.start * STEPS_PER_BEAT)) % spb == 0]
    return float(np.mean(leaps)) if leaps else float("nan")


def chord_at(spans: list[Span], beat: float):
    """The chord sounding at `beat` (None between chords)."""
    return next((s.chord for s in spans if s.start <= beat < s.end), None)


def chord_tone_share(notes: list[Note], spans: list[Span]) -> float:
    """Share of notes whose pitch class is in the chord sounding at their onset."""
    hits = [n.pitch % 12 in c.pitch_classes for n in notes
            if (c := chord_at(spans, n.start)) is not None]
    return float(np.mean(hits)) if hits else float("nan")


def line_vector(notes: list[Note], spb: int, bars: int) -> np.ndarray:
    """What tells one genre's lines from another's: the onset profile over the bar's 16ths,
    notes per bar, mean duration, mean absolute interval and pitch range."""
    t = onsets(notes)
    profile = np.bincount(t % spb, minlength=spb)[:spb] / bars
    pitches = np.array([n.pitch for n in sorted(notes, key=lambda n: n.start)])
    moves = np.abs(np.diff(pitches)) if len(pitches) > 1 else np.zeros(1)
    return np.r_[profile, len(notes) / bars,
                 np.mean([n.duration for n in notes]) if notes else 0.0,
                 moves.mean(), np.ptp(pitches) if len(pitches) else 0.0]


def default_lines(gen: LineGenerator, role: str, genre: str, seeds: int) -> list[tuple]:
    """(notes, spans) of `seeds` lines at the service defaults over FOLLOW (8 bars, A minor)."""
    spans = spans_of(list(FOLLOW), 4, BARS * 4)
    low, high = ROLES[role].register
    return [(gen.generate(LineParams(key=parse_key("A minor"), genre=genre, bars=BARS, spans=spans,
                                     low=low, high=high, seed=seed))[0].notes, spans)
            for seed in range(seeds)]


def idioms(notes: list[Note], spans: list[Span]) -> dict[str, float]:
    return {"offbeat_8ths": offbeat_eighth_share(notes), "odd_16ths": odd_sixteenth_share(notes),
            "walking_bars": walking_bar_share(notes, SPB, BARS),
            "moves_within_2": step_move_share(notes),
            "beat_1_empty": beat_one_empty_share(notes, SPB, BARS),
            "downbeat_leaps_12": downbeat_leap_share(notes, SPB),
            "chord_tones": chord_tone_share(notes, spans), "notes_per_bar": len(notes) / BARS}


def mean_idioms(rows: list[dict[str, float]]) -> dict[str, float]:
    """Each measure's mean over the lines that define it (nan where none does)."""
    out = {}
    for k in rows[0]:
        values = np.array([r[k] for r in rows])
        out[k] = float("nan") if np.isnan(values).all() else float(np.nanmean(values))
    return out


def by_genre(gen: LineGenerator, role: str, seeds: int) -> tuple[dict, dict]:
    """({genre: mean idiom measures}, {genre: [line_vector]}) of the default lines."""
    table, vectors = {}, {}
    for genre in GENRE_NAMES:
        lines = default_lines(gen, role, genre, seeds)
        table[genre] = mean_idioms([idioms(n, s) for n, s in lines])
        vectors[genre] = [line_vector(n, SPB, BARS) for n, _ in lines]
    return table, vectors


def genre_distinctness(vectors: dict[str, list[np.ndarray]]) -> dict:
    """Pairwise AUC of telling two genres' lines apart (the better of the linear and the boosted
    classifier): {"mean", "hardest": [[a, b, auc], ...]}."""
    aucs = {}
    for a, b in itertools.combinations(vectors, 2):
        xa, xb = np.array(vectors[a]), np.array(vectors[b])
        aucs[(a, b)] = max(measures.c2st_auc(xa, xb, list(range(len(xa))), list(range(len(xb))),
                                             classifier=c) for c in measures.C2ST_CLASSIFIERS)
    hardest = sorted(aucs.items(), key=lambda kv: kv[1])[:5]
    return {"mean": float(np.mean(list(aucs.values()))),
            "hardest": [[a, b, float(v)] for (a, b), v in hardest]}
