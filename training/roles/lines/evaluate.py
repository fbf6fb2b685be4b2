"""The line roles' evaluation hooks (`training.seq.evaluate`), bassline and melody alike: lines are
generated over the real clip's chords in the role's default register, at a density percentile drawn
from its training distribution (uniform); chord following is measured and compared with Markov's;
copies are counted in interval n-grams. A role's spec names its line, tracks and measures."""

import numpy as np

from beatengine.meter import beats_per_bar, steps_per_bar
from beatengine.midi_io import Note
from beatengine.roles import ROLES
from beatengine.roles.chords.progression import Span
from beatengine.roles.lines import vocab as LV
from beatengine.roles.lines.generator import NGRAM, LineParams, note_ngram_hashes
from beatengine.seq.markov import MarkovSeq
from beatengine.theory import Key
from training.roles.lines import features as F
from training.seq.evaluate import Part, SongClip


class LineEvaluation:
    """Fills `training.seq.evaluate.EvaluationHooks` for a line role; the role's spec sets
    `line_field`, `track_names`, `lowest_wins` and `following`, and drops what it does not measure
    (`dropped_scalars`)."""
    name: str
    dropped_scalars: tuple[str, ...] = ()
    copy_unit = f"{NGRAM}-note interval n-grams"
    control_note = "density with the generated notes per bar"

    @property
    def register(self) -> tuple[int, int]:
        return ROLES[self.name].register

    def _kept(self) -> list[int]:
        names = F.line_feature_names()
        return [i for i, n in enumerate(names) if n not in self.dropped_scalars]

    def feature_names(self) -> list[str]:
        return [n for n in F.line_feature_names() if n not in self.dropped_scalars]

    def scalar_features(self) -> list[str]:
        return [n for n in F.LINE_SCALARS if n not in self.dropped_scalars]

    def clip_features(self, notes: list[Note], spans: list[Span], c: SongClip) -> np.ndarray:
        full = F.line_features(notes, spans, c.key, c.bars, beats_per_bar(c.meter))
        return full[self._kept()] if self.dropped_scalars else full

    def controls(self, clips: list[SongClip], rng: np.random.Generator) -> np.ndarray:
        return rng.random(len(clips))

    def control_measure(self, feats: np.ndarray, names: list[str]) -> list[float]:
        return [f[0] for f in feats]        # notes per bar

    def params(self, c: SongClip, seed: int, control: float, constrained: bool) -> LineParams:
        low, high = self.register
        return LineParams(key=c.key, genre=c.genre, bars=c.bars, spans=c.spans, time_signature=c.meter,
                          density=control, low=low, high=high, seed=seed, constrained=constrained)

    def made(self, variation, c: SongClip) -> Part:
        return variation.notes, c.spans

    def structure(self, gen, made: dict[str, list[Part]], seeds: int) -> dict | None:
        return None

    def markov_part(self, gen, markov: MarkovSeq, p: LineParams, c: SongClip,
                    rng: np.random.Generator) -> Part:
        pr = gen.prepare(p)
        tokens = markov.sample(pr.cond.genre, pr.cond.positions, rng, bias=pr.static,
                               step_bias=pr.step_bias, hook=pr.hook)
        return gen.render(LV.decode_line(tokens, pr.refs, gen.vocab), p, rng), c.spans

    def random_part(self, c: SongClip, rng: np.random.Generator, mean_density: float) -> Part:
        """In-scale notes of the register at random onsets, at the training lines' mean density."""
        low, high = self.register
        pool = [p for p in range(low, high + 1) if p % 12 in c.key.scale]
        steps = c.bars * steps_per_bar(c.meter)
        onsets = np.nonzero(rng.random(steps) < mean_density / steps_per_bar(c.meter))[0]
        notes = [Note(int(rng.choice(pool)), t / 4, (nxt - t) / 4, 90) for t, nxt in
                 zip(onsets, [*onsets[1:], steps], strict=True)]
        return notes, c.spans

    def copied_part(self, t: SongClip, spans: list[Span], shift: int, c: SongClip) -> Part:
        return [Note(n.pitch + shift, n.start, n.duration, n.velocity) for n in t.notes], spans

    def real_part(self, c: SongClip) -> Part:
        return c.notes, c.spans

    def copy_hashes(self, notes: list[Note], spans: list[Span], key: Key) -> np.ndarray:
        return note_ngram_hashes(sorted(notes, key=lambda n: (int(round(n.start * 4)), n.pitch)))
