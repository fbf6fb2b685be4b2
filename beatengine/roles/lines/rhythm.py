"""A line's rhythm on the 16th grid, per step of the bar: how often a note starts there, a note
holds over it, or it rests. What the bass idioms learn from the genre rules
(`beatengine.roles.bassline.idioms`) and the melody calibration learns from real melodies
(`training.roles.lines.calibrate`), turned into logit biases the same way."""

import numpy as np

from beatengine.meter import STEPS_PER_BEAT
from beatengine.midi_io import Note
from beatengine.roles.lines.vocab import HOLD, REST

REST_STATE, HOLD_STATE, ONSET_STATE = 0, 1, 2


def step_states(notes: list[Note], n_steps: int) -> np.ndarray:
    """(T,) per 16th: REST_STATE, HOLD_STATE (a note sounds on from before) or ONSET_STATE."""
    state = np.zeros(n_steps, int)
    for n in notes:
        s = int(round(n.start * STEPS_PER_BEAT))
        e = max(s + 1, int(round((n.start + n.duration) * STEPS_PER_BEAT)))
        if 0 <= s < n_steps:
            state[s + 1:min(e, n_steps)] = np.maximum(state[s + 1:min(e, n_steps)], HOLD_STATE)
            state[s] = ONSET_STATE
    return state


def profile(states: list[np.ndarray], spb: int) -> np.ndarray:
    """(spb, 3) share of rest, hold and onset at each step of the bar over many lines."""
    counts = np.zeros((spb, 3))
    for st in states:
        np.add.at(counts, (np.arange(len(st)) % spb, st), 1)
    return counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)


def bias_rows(logits: np.ndarray, n_steps: int, vocab_size: int) -> np.ndarray:
    """(T, V) from (spb, 3) logit offsets of rest, hold and onset (every note token the onset's)."""
    rows = np.asarray(logits, np.float32)[np.arange(n_steps) % len(logits)]   # (T, 3)
    bias = np.repeat(rows[:, ONSET_STATE:ONSET_STATE + 1], vocab_size, axis=1)
    bias[:, REST], bias[:, HOLD] = rows[:, REST_STATE], rows[:, HOLD_STATE]
    return bias


MAX_AGE = 4   # note lengths told apart up to a quarter note; longer ones share the last bin


def _ages(states: np.ndarray) -> np.ndarray:
    """(T,) at each step, how many steps ago the sounding note started (0: nothing sounds)."""
    ages = np.zeros(len(states), int)
    last = -1
    for t in range(1, len(states)):
        if states[t - 1] == ONSET_STATE:
            last = t - 1
        elif states[t - 1] == REST_STATE:
            last = -1
        ages[t] = t - last if last >= 0 else 0
    return ages


def hold_by_age(states: list[np.ndarray]) -> np.ndarray:
    """(MAX_AGE,) share of steps that hold the sounding note on, by the note's age in steps:
    what sets the lengths of a line's notes."""
    held, total = np.zeros(MAX_AGE), np.zeros(MAX_AGE)
    for st in states:
        ages = _ages(st)
        on = ages > 0
        bins = np.minimum(ages[on], MAX_AGE) - 1
        np.add.at(total, bins, 1)
        np.add.at(held, bins, st[on] == HOLD_STATE)
    return held / np.maximum(total, 1)


class LastOnsets:
    """Per row of a batch being decoded, the steps of its last two note onsets (-1: none yet),
    kept up to date from the tokens a hook sees at each step instead of searched again."""

    def __init__(self) -> None:
        self.t = -1
        self.last = self.last2 = np.zeros(0, int)

    def update(self, t: int, tokens: np.ndarray) -> None:
        """`tokens`: (B, t), what has been decoded before step t."""
        if self.t != t - 1 or len(self.last) != len(tokens):        # a new decode: catch up
            self.last = self.last2 = np.full(len(tokens), -1)
            for s in range(t):
                self._see(s, tokens[:, s])
        elif t:
            self._see(t - 1, tokens[:, t - 1])
        self.t = t

    def _see(self, s: int, tok: np.ndarray) -> None:
        on = tok >= 2
        self.last2 = np.where(on, self.last, self.last2)
        self.last = np.where(on, s, self.last)


def age_hold_hook(offsets: list[float], vocab_size: int):
    """A hook adding `offsets[age - 1]` to HOLD where a note of that age sounds."""
    offsets = np.asarray(offsets, np.float32)
    seen = LastOnsets()

    def hook(t: int, tokens: np.ndarray) -> np.ndarray | None:
        seen.update(t, tokens)
        if t == 0:
            return None
        sounding = (tokens[:, -1] >= 2) | (tokens[:, -1] == HOLD)
        if not sounding.any():
            return None
        age = np.minimum(t - seen.last, MAX_AGE) - 1
        bias = np.zeros((len(tokens), vocab_size), np.float32)
        bias[:, HOLD] = np.where(sounding, offsets[age], 0)
        return bias
    return hook
