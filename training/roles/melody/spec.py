"""The melody's hooks: POP909's melodies, each window moved by -6..+5 semitones in turn (so every
key's register is seen) before being made relative to the key's reference pitch."""

import numpy as np

from beatengine.roles.melody import vocab as MV
from beatengine.theory import Key
from training.roles.lines.spec import LineSpec
from training.roles.melody.structure import evaluate_structure


class MelodySpec(LineSpec):
    name = "melody"
    line_field = "melody"
    line_vocab = MV.VOCAB
    track_names = ("melody", "lead", "vocal", "voice")
    following = ("in_key", "chord_tones_strong")
    dropped_scalars = ("downbeat_roots",)     # the bass measure: a melody need not sit on roots

    def shift(self, song_index: int, window_index: int) -> int:
        return (song_index + window_index) % 12 - 6

    def references(self, steps: list, key: Key, n_steps: int) -> np.ndarray:
        return np.full(n_steps, MV.reference(key))

    def features(self, steps: list, key: Key, kicks: np.ndarray | None) -> np.ndarray:
        return MV.features(steps, key)

    def structure(self, gen, made: dict, seeds: int) -> dict:
        return evaluate_structure(gen, made["real_a"], made["model"], seeds)


SPEC = MelodySpec()
