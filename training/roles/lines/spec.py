"""What the bassline and melody specs share: line windows of the songs that have the role's line
(`training.roles.lines.data`), `density` as a control, interval n-grams for the originality index."""

import numpy as np

from beatengine.midi_io import Note
from beatengine.roles import ROLES
from beatengine.seq.config import SeqModelConfig
from training.config import HarmonyData
from training.loop import state_for_saving
from training.roles.lines import data
from training.roles.lines.calibrate import calibrate_rhythm
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

    def calibrate(self, model, mcfg: SeqModelConfig, data) -> SeqModelConfig:
        """The rhythm of the real training lines (POP909's: pop) as the service decodes them
        (`training.roles.lines.calibrate`)."""
        weights = {k: v.numpy() for k, v in state_for_saving(model).items()}
        mcfg.rhythm_calibration = {}
        gen = ROLES[self.name].generator.from_weights(weights, mcfg)
        mcfg.rhythm_calibration = {"pop": calibrate_rhythm(gen, self, data.material)}
        return mcfg

    def config_from_json(self, text: str) -> SeqModelConfig:
        return SeqModelConfig.from_json(text)

    def examples(self, songs: list[Song], cfg: HarmonyData) -> list[SeqExample]:
        return data.line_examples(self, songs, cfg)

    def originality_pieces(self, songs: list[Song]) -> dict[str, np.ndarray]:
        return data.originality_pieces(self, songs)
