"""Basslines: a line over the chords that lands on each chord's bass note at every downbeat and
change, locks to a drum part's kicks when one is given, and glides like an 808 in trap and drill."""

import numpy as np

from beatengine.meter import steps_per_bar
from beatengine.midi_io import Note
from beatengine.roles.bassline import vocab as bassline_vocab
from beatengine.roles.lines import masks
from beatengine.roles.lines.adherence import downbeat_root_share
from beatengine.roles.lines.generator import LineGenerator, LineParams

GLIDE_GENRES = ("trap", "drill")


class BasslineGenerator(LineGenerator):
    vocab = bassline_vocab.VOCAB
    spec = bassline_vocab.SPEC
    register = bassline_vocab.REGISTER
    chord_tone_lean = 1.5      # a bass that does not sit on chord tones on the beat is wrong

    def references(self, steps: list, p: LineParams) -> np.ndarray:
        return bassline_vocab.step_refs(steps, p.key.tonic)

    def features(self, steps: list, p: LineParams) -> np.ndarray:
        return bassline_vocab.features(steps, p.key, p.kicks)

    def add_role_masks(self, bias: np.ndarray, pitches: np.ndarray, steps: list, p: LineParams,
                       spb: int) -> None:
        bias += masks.bass_root_mask(pitches, steps, spb)
        if p.kicks is not None:  # lock onsets to the kick
            bias[:, 2:] += np.where(p.kicks, 1.5, -0.75)[:, None].astype(np.float32)

    def glides(self, p: LineParams) -> bool:
        return p.genre in GLIDE_GENRES

    def role_adherence(self, notes: list[Note], p: LineParams) -> dict[str, float]:
        return {"downbeat_roots": downbeat_root_share(notes, p.spans, p.bars,
                                                      steps_per_bar(p.time_signature))}
