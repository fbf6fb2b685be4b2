"""The bassline's hooks: POP909's derived basslines plus genre-rule lines, encoded against the
chord's bass note, with the chord tones and the kicks as step features."""

import numpy as np

from beatengine.roles.bassline import vocab as BV
from beatengine.theory import Key
from training.config import HarmonyData
from training.roles.bassline.data import rule_bass_examples
from training.roles.bassline.structure import evaluate_structure
from training.roles.lines.spec import LineSpec
from training.seq.arrays import SeqExample
from training.sources.song import Song


class BasslineSpec(LineSpec):
    name = "bassline"
    line_field = "bass"
    line_vocab = BV.VOCAB
    lowest_wins = True
    track_names = ("bass",)
    following = ("in_key", "chord_tones_strong", "downbeat_roots")

    def references(self, steps: list, key: Key, n_steps: int) -> np.ndarray:
        return BV.step_refs(steps, key.tonic)

    def features(self, steps: list, key: Key, kicks: np.ndarray | None) -> np.ndarray:
        return BV.features(steps, key, kicks)

    def structure(self, gen, made: dict, seeds: int) -> dict:
        return evaluate_structure(gen, seeds)

    def extra_examples(self, songs: list[Song], cfg: HarmonyData, rng: np.random.Generator
                       ) -> list[SeqExample]:
        if not cfg.rule_songs_per_genre:
            return []
        return rule_bass_examples(self, songs, cfg.rule_songs_per_genre, rng)


SPEC = BasslineSpec()
