"""Vocabulary of the monophonic line models (bass and melody) as named constants.

A line is a grid of 16th steps; each step holds one token: `REST`, `HOLD` (the sounding note goes
on) or a note, written as semitones above a *reference pitch*: for bass the chord's bass note in its
lowest octave from E1 (so a line is the same tokens over any chord: root, fifth, octave, approach);
for melody the key's tonic from middle C up (so a line is the same tokens in every key). What the
line must follow comes in as per-step features: the chord's tones, the scale, the kick.
"""

from dataclasses import dataclass

import numpy as np

from beatengine.meter import MAX_STEPS_PER_BAR, METERS, STEPS_PER_BEAT, steps_per_bar
from beatengine.midi_io import Note
from beatengine.theory import Chord

REST, HOLD = 0, 1
PHRASE_BARS = 4
NUM_POSITIONS = len(METERS) * PHRASE_BARS * MAX_STEPS_PER_BAR
VOCAB_VERSION = 1



@dataclass(frozen=True)
class LineVocab:
    name: str
    lowest: int     # semitones from the reference pitch to the first note token
    pitches: int    # number of note tokens

    @property
    def size(self) -> int:
        return 2 + self.pitches

    def note_token(self, pitch: int, ref: int) -> int:
        """The token of `pitch`, folded by octaves into the vocabulary's range."""
        k = pitch - ref - self.lowest
        while k < 0:
            k += 12
        while k >= self.pitches:
            k -= 12
        return 2 + k

    def token_pitches(self, refs: np.ndarray) -> np.ndarray:
        """(T, V) MIDI pitch of every token at every step (-1 for REST and HOLD)."""
        out = np.full((len(refs), self.size), -1, np.int64)
        out[:, 2:] = np.asarray(refs)[:, None] + self.lowest + np.arange(self.pitches)
        return out


def positions(meter: str, n_bars: int) -> np.ndarray:
    spb = steps_per_bar(meter)
    t = np.arange(n_bars * spb)
    return (METERS.index(meter) * PHRASE_BARS + (t // spb) % PHRASE_BARS) * MAX_STEPS_PER_BAR + t % spb


def encode_line(notes: list[Note], n_steps: int, refs: np.ndarray, vocab: LineVocab,
                lowest_wins: bool) -> np.ndarray:
    """(T,) tokens of a line: where several notes start in a step, the lowest (bass) or highest
    (melody) wins; a note sounds until its end or the next onset."""
    tokens = np.full(n_steps, REST, np.int64)
    chosen: dict[int, Note] = {}
    for n in notes:
        s = int(round(n.start * STEPS_PER_BEAT))
        if 0 <= s < n_steps and (s not in chosen or (n.pitch < chosen[s].pitch) == lowest_wins):
            chosen[s] = n
    onsets = sorted(chosen)
    for i, s in enumerate(onsets):
        n = chosen[s]
        stop = min(int(round((n.start + n.duration) * STEPS_PER_BEAT)),
                   onsets[i + 1] if i + 1 < len(onsets) else n_steps, n_steps)
        tokens[s] = vocab.note_token(n.pitch, int(refs[s]))
        tokens[s + 1:max(stop, s + 1)] = HOLD
    return tokens


def decode_line(tokens: np.ndarray, refs: np.ndarray, vocab: LineVocab
                ) -> list[tuple[int, int, int]]:
    """(start step, length in steps, MIDI pitch) of every note; HOLD after REST is a rest."""
    out: list[tuple[int, int, int]] = []
    start = pitch = -1
    for t, tok in enumerate(tokens):
        if tok == HOLD and start >= 0:
            continue
        if start >= 0:
            out.append((start, t - start, pitch))
            start = -1
        if tok >= 2:
            start, pitch = t, int(refs[t]) + vocab.lowest + int(tok) - 2
    if start >= 0:
        out.append((start, len(tokens) - start, pitch))
    return out


def chord_steps(chords: list[tuple[float, float, Chord | None]], n_steps: int) -> list[Chord | None]:
    """The chord sounding at every 16th step of a (start beat, end beat, chord) timeline."""
    out: list[Chord | None] = [None] * n_steps
    for start, end, chord in chords:
        a, b = int(round(start * STEPS_PER_BEAT)), int(round(end * STEPS_PER_BEAT))
        out[max(a, 0):min(b, n_steps)] = [chord] * (min(b, n_steps) - max(a, 0))
    return out


def pitch_class_row(pcs, origin: int) -> np.ndarray:
    """(12,) 1.0 at each pitch class of `pcs`, counted from `origin`."""
    v = np.zeros(12, np.float32)
    v[[(p - origin) % 12 for p in pcs]] = 1.0
    return v
