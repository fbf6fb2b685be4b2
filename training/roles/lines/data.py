"""What bassline and melody share of their training data: 8-bar windows (hop 4) of a song's line over
its chords, encoded against the role's reference pitches (`beatengine.roles.lines.vocab`), and the
interval n-grams their originality indexes hold. Each line role says what differs through the
`LineHooks` of its spec (`training.roles.bassline.spec`, `training.roles.melody.spec`)."""

from typing import Protocol

import numpy as np

from beatengine.meter import steps_per_bar
from beatengine.midi_io import Note
from beatengine.roles.lines import vocab as LV
from beatengine.roles.lines.generator import NGRAM, note_ngram_hashes
from beatengine.theory import Chord, Key
from training.config import HarmonyData
from training.seq.arrays import SeqExample, windows
from training.sources.song import Song

LINE_WINDOW_BARS, LINE_HOP_BARS = 8, 4


class LineHooks(Protocol):
    line_vocab: LV.LineVocab
    lowest_wins: bool     # of notes struck together, the lowest is the line (else the highest)

    def line(self, song: Song) -> list[Note] | None:
        """The song's line of this role (None when it has none)."""

    def shift(self, song_index: int, window_index: int) -> int:
        """Semitones to move a window by before it is made key-relative."""

    def references(self, steps: list, key: Key, n_steps: int) -> np.ndarray:
        """(T,) reference pitch per step."""

    def features(self, steps: list, key: Key, kicks: np.ndarray | None) -> np.ndarray:
        """(T, F) per-step condition features."""

    def extra_examples(self, songs: list[Song], cfg: HarmonyData, rng: np.random.Generator
                       ) -> list[SeqExample]:
        """Examples of the role's own making (genre rules), after the songs' windows."""


def cut(notes: list[Note], start_beat: float, end_beat: float) -> list[Note]:
    return [Note(n.pitch, n.start - start_beat, n.duration, n.velocity) for n in notes
            if start_beat <= n.start < end_beat]


def chords_in(song: Song, start_beat: float, end_beat: float) -> list:
    return [(max(s, start_beat) - start_beat, min(e, end_beat) - start_beat, c)
            for s, e, c in song.chords if e > start_beat and s < end_beat]


def line_examples(role: LineHooks, songs: list[Song], cfg: HarmonyData) -> list[SeqExample]:
    """Windows of the songs that have the role's line, then the role's own examples."""
    rng = np.random.default_rng(cfg.seed)
    out = []
    for i, song in enumerate(s for s in songs if role.line(s)):
        notes = role.line(song)
        bpb = song.beats_per_bar()
        for k, (a, b) in enumerate(windows(song.n_bars, LINE_WINDOW_BARS, LINE_HOP_BARS)):
            ex = line_example(role, cut(notes, a * bpb, b * bpb), chords_in(song, a * bpb, b * bpb),
                              song.key, song.meter, b - a, song.genre or "unknown", None,
                              role.shift(i, k))
            if ex is not None:
                out.append(SeqExample(*ex, song.song_id, song.split, song.source))
    return out + role.extra_examples(songs, cfg, rng)


def _moved(key: Key, notes: list[Note], chords: list, shift: int) -> tuple[Key, list[Note], list]:
    key = Key((key.tonic + shift) % 12, key.mode)
    notes = [Note(n.pitch + shift, n.start, n.duration, n.velocity) for n in notes]
    chords = [(s, e, None if c is None else Chord((c.root + shift) % 12, c.quality,
                                                  None if c.bass is None else (c.bass + shift) % 12))
              for s, e, c in chords]
    return key, notes, chords


def line_example(role: LineHooks, notes: list[Note], chords: list, key: Key, meter: str, bars: int,
                 genre: str, kicks: np.ndarray | None, shift: int = 0) -> tuple | None:
    """(tokens, pos, step, genre, mode, seq) of one line window, or None when it is near-empty."""
    if len(notes) < bars:          # under one note a bar: a gap, not a line
        return None
    if shift:
        key, notes, chords = _moved(key, notes, chords, shift)
    T = bars * steps_per_bar(meter)
    steps = LV.chord_steps(chords, T)
    refs, feats = role.references(steps, key, T), role.features(steps, key, kicks)
    tokens = LV.encode_line(notes, T, refs, role.line_vocab, lowest_wins=role.lowest_wins)
    density = float((tokens >= 2).sum()) / bars
    return (tokens, LV.positions(meter, bars), feats, genre, key.mode,
            np.array([density], np.float32))


def originality_pieces(role: LineHooks, songs: list[Song]) -> dict[str, np.ndarray]:
    """Per song with a line of at least one n-gram: the hashes of its interval n-grams."""
    out = {}
    for s in songs:
        notes = role.line(s)
        if notes and len(notes) >= NGRAM:
            out[s.song_id] = note_ngram_hashes(notes)
    return out
