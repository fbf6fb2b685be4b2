"""What the bassline and melody specs share: line windows of the songs that have the role's line
(`training.roles.lines.data`), `density` as a control, interval n-grams for the originality index."""

import numpy as np

from beatengine.midi_io import Note
from training.config import HarmonyData
from training.roles.lines import data
from training.roles.lines.evaluate import LineEvaluation
from training.seq.arrays import SeqExample
from training.seq.spec import SeqRoleSpec
from training.sources.song import Song


class LineSpec(LineEvaluation, SeqRoleSpec):
    """Fills `data.LineHooks` and `LineEvaluation` with what each line role's subclass sets."""
    density_control = True

    def line(self, song: Song) -> list[Note] | None:
        return getattr(song, self.line_field)

    def shift(self, song_index: int, window_index: int) -> int:
        return 0

    def extra_examples(self, songs: list[Song], cfg: HarmonyData, rng: np.random.Generator
                       ) -> list[SeqExample]:
        return []

    def examples(self, songs: list[Song], cfg: HarmonyData) -> list[SeqExample]:
        return data.line_examples(self, songs, cfg)

    def originality_pieces(self, songs: list[Song]) -> dict[str, np.ndarray]:
        return data.originality_pieces(self, songs)
