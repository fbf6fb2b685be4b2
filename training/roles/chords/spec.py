"""The chord role's hooks: 16-bar chord windows of every song, their chord-window hashes, and the
evaluation's chord hooks (`training.roles.chords.evaluate`)."""

import numpy as np

from training.config import HarmonyData
from training.roles.chords import data
from training.roles.chords.evaluate import ChordsEvaluation
from training.seq.arrays import SeqExample
from training.seq.spec import SeqRoleSpec
from training.sources.song import Song


class ChordsSpec(ChordsEvaluation, SeqRoleSpec):
    name = "chords"

    def examples(self, songs: list[Song], cfg: HarmonyData) -> list[SeqExample]:
        return data.chord_examples(songs)

    def originality_pieces(self, songs: list[Song]) -> dict[str, np.ndarray]:
        return data.originality_pieces(songs)


SPEC = ChordsSpec()
