"""Turn harmony songs (`training.harmony_data`) into training arrays for the chord, bass and melody
models, and into the pieces their originality indexes are built from.

Everything is key-relative (chord degrees, melody pitches above the tonic, bass notes above the
chord's bass), so one example teaches the model the same thing in all 12 keys. Melody windows are
also moved by -6..+5 semitones in turn (so every key's register is seen) before being made
relative. Basslines come from POP909's piano (pop) and from the genre bass rules
(`beatengine.bass_rules`) over real progressions with the genre's drum-rule kicks.
"""

from dataclasses import dataclass

import numpy as np

from beatengine.meter import STEPS_PER_BEAT, beats_per_bar, steps_per_bar
from beatengine.midi_io import Note
from beatengine.roles.bassline import rules as bass_rules
from beatengine.roles.bassline import vocab as BV
from beatengine.roles.chords import vocab as CV
from beatengine.roles.drums import style_rules
from beatengine.roles.drums import vocab as DV
from beatengine.roles.lines import vocab as LV
from beatengine.roles.melody import vocab as MV
from beatengine.theory import Chord, Key
from training.harmony_songs import Song

CHORD_WINDOW_BARS, CHORD_HOP_BARS = 16, 8
LINE_WINDOW_BARS, LINE_HOP_BARS = 8, 4


@dataclass
class Example:
    tokens: np.ndarray      # (T,)
    pos: np.ndarray         # (T,)
    step: np.ndarray        # (T, F)
    genre: str
    mode: str
    seq: np.ndarray         # (S,)
    song_id: str
    split: str
    source: str


@dataclass
class SeqArrays:
    tgt: np.ndarray     # (N, L), -1 padding
    pos: np.ndarray     # (N, L)
    step: np.ndarray    # (N, L, F)
    genre: np.ndarray   # (N,)
    mode: np.ndarray    # (N,)
    seq: np.ndarray     # (N, S)

    def subset(self, idx: np.ndarray) -> "SeqArrays":
        return SeqArrays(**{k: v[idx] for k, v in self.__dict__.items()})

    def __len__(self) -> int:
        return len(self.tgt)


def to_arrays(examples: list[Example], genres: list[str], modes: list[str]) -> SeqArrays:
    n, L = len(examples), max(len(e.tokens) for e in examples)
    F, S = examples[0].step.shape[1], len(examples[0].seq)
    a = SeqArrays(np.full((n, L), -1, np.int64), np.zeros((n, L), np.int64),
                  np.zeros((n, L, F), np.float32), np.zeros(n, np.int64), np.zeros(n, np.int64),
                  np.zeros((n, S), np.float32))
    for i, e in enumerate(examples):
        t = len(e.tokens)
        a.tgt[i, :t], a.pos[i, :t], a.step[i, :t] = e.tokens, e.pos, e.step
        a.genre[i] = genres.index(e.genre if e.genre in genres else "unknown")
        a.mode[i] = modes.index(e.mode) if e.mode in modes else 0
        a.seq[i] = e.seq
    return a


def _windows(n_bars: int, window: int, hop: int) -> list[tuple[int, int]]:
    if n_bars <= window:
        return [(0, n_bars)] if n_bars >= 2 else []
    return [(s, s + window) for s in range(0, n_bars - window + 1, hop)]


def song_chord_tokens(song: Song) -> np.ndarray:
    """(beats,) key-relative chord token per quarter-note beat."""
    bpb = beats_per_bar(song.meter)
    steps = LV.chord_steps(song.chords, song.n_bars * bpb * STEPS_PER_BEAT)
    return np.array([CV.chord_token(c, song.key) for c in steps[::STEPS_PER_BEAT]], np.int64)


def chord_examples(songs: list[Song]) -> list[Example]:
    out = []
    for song in songs:
        bpb = beats_per_bar(song.meter)
        tokens = song_chord_tokens(song)
        for a, b in _windows(song.n_bars, CHORD_WINDOW_BARS, CHORD_HOP_BARS):
            tok = tokens[a * bpb:b * bpb]
            if len(tok) == 0 or (tok == CV.NO_CHORD).mean() > 0.25:
                continue
            beats = np.arange(len(tok))
            changes = int((tok[1:] != tok[:-1]).sum()) + 1
            richness = float((CV.TOKEN_LEVEL[tok] >= 1).mean())
            out.append(Example(
                tok, np.array([CV.position(song.meter, x // bpb, x % bpb) for x in beats]),
                (beats % bpb == 0).astype(np.float32)[:, None], song.genre or "unknown",
                song.key.mode, np.array([richness, min(changes / (b - a), 4) / 4], np.float32),
                song.song_id, song.split, song.source))
    return out


def _cut(notes: list[Note], start_beat: float, end_beat: float) -> list[Note]:
    return [Note(n.pitch, n.start - start_beat, n.duration, n.velocity) for n in notes
            if start_beat <= n.start < end_beat]


def _chords_in(song: Song, start_beat: float, end_beat: float) -> list:
    return [(max(s, start_beat) - start_beat, min(e, end_beat) - start_beat, c)
            for s, e, c in song.chords if e > start_beat and s < end_beat]


def line_examples(songs: list[Song], role: str, rule_songs_per_genre: int = 0,
                  seed: int = 0) -> list[Example]:
    """Bass or melody windows of the songs that have that line (plus, for bass, genre-rule lines
    over real progressions)."""
    rng = np.random.default_rng(seed)
    out = []
    for i, song in enumerate(s for s in songs if (s.melody if role == "melody" else s.bass)):
        notes = song.melody if role == "melody" else song.bass
        bpb = song.beats_per_bar()
        for k, (a, b) in enumerate(_windows(song.n_bars, LINE_WINDOW_BARS, LINE_HOP_BARS)):
            shift = (i + k) % 12 - 6 if role == "melody" else 0
            ex = line_example(role, _cut(notes, a * bpb, b * bpb), _chords_in(song, a * bpb, b * bpb),
                              song.key, song.meter, b - a, song.genre or "unknown", None, shift)
            if ex is not None:
                out.append(Example(*ex, song.song_id, song.split, song.source))
    if role == "bassline" and rule_songs_per_genre:
        out += rule_bass_examples(songs, rule_songs_per_genre, rng)
    return out


def line_example(role: str, notes: list[Note], chords: list, key: Key, meter: str, bars: int,
                 genre: str, kicks: np.ndarray | None, shift: int = 0) -> tuple | None:
    """(tokens, pos, step, genre, mode, seq) of one line window, or None when it is near-empty."""
    if len(notes) < bars:          # under one note a bar: a gap, not a line
        return None
    if shift:
        key = Key((key.tonic + shift) % 12, key.mode)
        notes = [Note(n.pitch + shift, n.start, n.duration, n.velocity) for n in notes]
        chords = [(s, e, None if c is None else Chord((c.root + shift) % 12, c.quality,
                                                      None if c.bass is None else (c.bass + shift) % 12))
                  for s, e, c in chords]
    T = bars * steps_per_bar(meter)
    steps = LV.chord_steps(chords, T)
    if role == "bassline":
        refs = BV.step_refs(steps, key.tonic)
        feats = BV.features(steps, key, kicks)
        vocab = BV.VOCAB
    else:
        refs = np.full(T, MV.reference(key))
        feats = MV.features(steps, key)
        vocab = MV.VOCAB
    tokens = LV.encode_line(notes, T, refs, vocab, lowest_wins=role == "bassline")
    density = float((tokens >= 2).sum()) / bars
    return (tokens, LV.positions(meter, bars), feats, genre, key.mode,
            np.array([density], np.float32))


def rule_bass_examples(songs: list[Song], per_genre: int, rng: np.random.Generator) -> list[Example]:
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
            chords = _no_gaps(_chords_in(song, start, start + 32))
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
            ex = line_example("bassline", notes, chords, song.key, "4/4", 8, genre, kick_steps)
            if ex is not None:
                split = "validation" if j % 10 == 0 else "train"
                out.append(Example(*ex, f"rules/{genre}/{j}", split, "rules"))
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


def density_quantiles(examples: list[Example]) -> dict[str, list[float]]:
    """Per genre, quantiles (0..100% by 5%) of the training windows' onsets per bar."""
    by: dict[str, list[float]] = {}
    for e in examples:
        if e.split == "train":
            by.setdefault(e.genre, []).append(float(e.seq[0]))
    return {g: np.quantile(v, np.linspace(0, 1, 21)).round(3).tolist() for g, v in by.items()}


def with_density_percentiles(examples: list[Example], quantiles: dict[str, list[float]]) -> None:
    """Replace each line example's onsets-per-bar with its percentile in its genre (0-1): the
    `density` control means 'busier than this share of the genre's training lines'."""
    for e in examples:
        q = quantiles.get(e.genre)
        e.seq = np.array([np.interp(e.seq[0], q, np.linspace(0, 1, len(q))) if q else 0.5],
                         np.float32)

