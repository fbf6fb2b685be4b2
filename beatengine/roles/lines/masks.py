"""Decode-time masks of the harmony roles, as (T, V) logit biases (see `beatengine.sampling`).

Each mask is one small function; a generator adds up the ones it needs:
- `register_mask`: notes outside [low, high] are forbidden;
- `scale_mask`: a note outside the key's scale is forbidden unless the chord sounding contains it
  (and a scale note clashing with such a chord tone is forbidden);
  with `chromaticism` > 0 such notes are allowed on weak 16ths as passing and neighbour tones;
- `chord_tone_nudge`: on strong beats chord tones are favoured;
- `bass_root_mask`: where a bar or a chord starts, the bass strikes the chord's bass note (or,
  in a genre that leaves that step empty, rests: `first_note_root_hook` then makes its first note
  the chord's bass note);
- `density_nudge`: more or fewer note onsets than the model's habit.
"""

import functools

import numpy as np

from beatengine.roles.lines.vocab import HOLD, REST
from beatengine.sampling import NEG_INF
from beatengine.theory import Chord, Key

# the models saw almost no out-of-key notes, so a passing tone needs a lift to be drawn at all:
# with it, chromaticism 0.3 gives about 1% of a melody's notes out of the key (real POP909
# melodies: 1%) and 1.0 about 5%
CHROMATIC_LIFT = 3.0


def register_mask(pitches: np.ndarray, low: int, high: int) -> np.ndarray:
    """pitches: (T, V) MIDI pitch per token (-1 for REST/HOLD)."""
    out = ((pitches >= 0) & ((pitches < low) | (pitches > high)))
    return np.where(out, NEG_INF, np.float32(0)).astype(np.float32)


def pcs_in(pcs_per_step: list[frozenset[int]], pitches: np.ndarray) -> np.ndarray:
    """(T, V) whether each token's pitch class is in that step's set."""
    member = np.zeros((len(pcs_per_step), 12), bool)
    for t, pcs in enumerate(pcs_per_step):
        member[t, list(pcs)] = True
    pc = np.where(pitches >= 0, pitches % 12, 0)
    return np.take_along_axis(member, pc, axis=1) & (pitches >= 0)


def chord_pcs(steps: list[Chord | None]) -> list[frozenset[int]]:
    return [c.pitch_classes if c is not None else frozenset() for c in steps]


@functools.cache
def _allowed_pcs(scale: frozenset[int], chord: frozenset[int]) -> frozenset[int]:
    """The scale and the chord's tones, less the scale notes a semitone from a chord tone
    outside the scale (over A7 in C major, C clashes with the chord's C#)."""
    altered = chord - scale
    clashing = {(pc + d) % 12 for pc in altered for d in (-1, 1)} - chord
    return (scale - clashing) | chord


def scale_mask(pitches: np.ndarray, key: Key, steps: list[Chord | None], strong: np.ndarray,
               chromaticism: float) -> np.ndarray:
    scale = frozenset(key.scale)
    allowed = pcs_in([_allowed_pcs(scale, pcs) for pcs in chord_pcs(steps)], pitches) | (pitches < 0)
    out = np.where(allowed, np.float32(0), NEG_INF).astype(np.float32)
    if chromaticism > 0:
        passing = ~allowed & ~strong[:, None]
        out[passing] = np.float32(np.log(chromaticism) + CHROMATIC_LIFT)
    return out


def chord_tone_nudge(pitches: np.ndarray, steps: list[Chord | None], strong: np.ndarray,
                     strength: float) -> np.ndarray:
    tones = pcs_in(chord_pcs(steps), pitches)
    out = np.zeros(pitches.shape, np.float32)
    out[strong[:, None] & tones] = strength
    out[strong[:, None] & ~tones & (pitches >= 0)] = -strength
    return out


def _bass_targets(steps: list[Chord | None], spb: int) -> list[int]:
    """The steps where a bar or a chord starts."""
    return [t for t, c in enumerate(steps)
            if c is not None and (t % spb == 0 or t == 0 or steps[t - 1] != c)]


def bass_root_mask(pitches: np.ndarray, steps: list[Chord | None], spb: int,
                   rest_ok: bool = False, hold_ok: bool = False) -> np.ndarray:
    """Where a bar or a chord starts, only the chord's bass note (root, or the slash bass) in any
    octave may sound: the line lands on it at every downbeat and every change. With `rest_ok`
    (a one drop, an off-beat house bass) the line may also leave that step empty; with `hold_ok`
    it may hold a note through it, which `held_root_hook` allows only for the chord's bass note."""
    out = np.zeros(pitches.shape, np.float32)
    for t in _bass_targets(steps, spb):
        allowed = (pitches[t] >= 0) & (pitches[t] % 12 == steps[t].bass_pc)
        allowed[REST] |= rest_ok
        allowed[HOLD] |= hold_ok
        out[t, ~allowed] = NEG_INF
    return out


def held_root_hook(pitches: np.ndarray, steps: list[Chord | None], spb: int, vocab_size: int):
    """A bass may tie into a bar or a chord change only with the new chord's bass note sounding
    (real bass lines hold the root over a bar line or a change about one time in ten, POP909):
    HOLD there is masked unless the note still sounding is that pitch class."""
    targets = set(_bass_targets(steps, spb)) - {0}

    def hook(t: int, tokens: np.ndarray) -> np.ndarray | None:
        if t not in targets:
            return None
        bias = np.zeros((len(tokens), vocab_size), np.float32)
        for b, row in enumerate(tokens):
            struck = np.nonzero(row >= 2)[0]
            last = struck[-1] if len(struck) else -1
            sounding = last >= 0 and not (row[last + 1:] == REST).any()
            if not (sounding and pitches[last, row[last]] % 12 == steps[t].bass_pc):
                bias[b, HOLD] = NEG_INF
        return bias
    return hook


def first_note_root_hook(pitches: np.ndarray, steps: list[Chord | None], spb: int):
    """For a line that may leave a bar's or chord's first step empty: its first note after that
    start is still the chord's bass note (in any octave)."""
    T = len(steps)
    seg_start = np.zeros(T, int)
    for t in range(1, T):
        new = t % spb == 0 or steps[t] != steps[t - 1]
        seg_start[t] = t if new else seg_start[t - 1]
    wrong = np.zeros(pitches.shape, bool)
    for t, c in enumerate(steps):
        if c is not None:
            wrong[t] = (pitches[t] >= 0) & (pitches[t] % 12 != c.bass_pc)

    def hook(t: int, tokens: np.ndarray) -> np.ndarray | None:
        a = seg_start[t]
        if a == t or not wrong[t].any():
            return None
        first = ~(tokens[:, a:t] >= 2).any(axis=1)                             # (B,)
        if not first.any():
            return None
        bias = np.zeros((len(tokens), pitches.shape[1]), np.float32)
        bias[np.ix_(first, wrong[t])] = NEG_INF
        return bias
    return hook


def density_nudge(size: int, density: float, strength: float = 2.0) -> np.ndarray:
    """(V,) bias: density 0.5 leaves the model's habit, higher favours onsets over REST/HOLD."""
    out = np.full(size, strength * (density - 0.5), np.float32)
    out[[REST, HOLD]] = -strength * (density - 0.5)
    return out


def onset_per_bar_hook(spb: int, vocab_size: int):
    """A bar-structure mask: a bar that reaches its last beat without a note must start one there,
    so no bar of a line is left empty (however low the density)."""
    last_beat = spb - 4

    def hook(t: int, tokens: np.ndarray) -> np.ndarray | None:
        if t % spb != last_beat:
            return None
        silent = ~(tokens[:, t - last_beat:t] >= 2).any(axis=1)               # (B,)
        if not silent.any():
            return None
        bias = np.zeros((len(tokens), vocab_size), np.float32)
        bias[silent, REST] = bias[silent, HOLD] = NEG_INF
        return bias
    return hook


def combine_hooks(*hooks):
    """One hook adding up the biases of several (None where none has anything to say)."""
    live = [h for h in hooks if h is not None]

    def hook(t: int, tokens: np.ndarray) -> np.ndarray | None:
        parts = [b for h in live if (b := h(t, tokens)) is not None]
        return sum(parts[1:], parts[0]) if parts else None
    return hook
