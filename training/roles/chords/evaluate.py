"""The chord role's evaluation hooks (`training.seq.evaluate`): progressions are compared as they
would sound, voiced alike; the control is `complexity`, asked at the share of rich chords of each
real clip; copies are counted in 8-chord windows."""

import numpy as np

from beatengine.meter import beats_per_bar
from beatengine.midi_io import Note
from beatengine.roles.chords import vocab as CV
from beatengine.roles.chords.generator import ChordParams, chord_window_hashes
from beatengine.roles.chords.progression import Span
from beatengine.roles.chords.voicing import voice_progression
from beatengine.seq.markov import MarkovSeq
from beatengine.theory import Chord, Key
from training.roles.chords import features as F
from training.roles.chords.structure import evaluate_structure
from training.seq.evaluate import Part, SongClip


def chords_per_bar(c: SongClip) -> int:
    changes = len(c.spans)
    allowed = (1, 2, 4) if c.meter == "4/4" else (1, 3)
    return min(allowed, key=lambda k: abs(k - changes / c.bars))


def voiced(spans: list[Span], meter: str) -> Part:
    return voice_progression([(s.start, s.beats, s.chord) for s in spans], "block", meter), spans


REAL_COLOUR = 1.0


class ChordsEvaluation:
    """Fills `training.seq.evaluate.EvaluationHooks` for chords."""
    track_names = ()
    following = ()
    copy_unit = "8-chord windows"
    control_note = "complexity with the generated richness"

    def feature_names(self) -> list[str]:
        return F.progression_feature_names()

    def scalar_features(self) -> list[str]:
        return list(F.CHORD_SCALARS)

    def clip_features(self, notes: list[Note], spans: list[Span], c: SongClip) -> np.ndarray:
        return F.progression_features(spans, c.key, c.bars)

    def controls(self, clips: list[SongClip], rng: np.random.Generator) -> np.ndarray:
        """The complexity that asks for the real clip's share of rich chords."""
        rich = np.array([F.progression_features(c.spans, c.key, c.bars)[3] for c in clips])
        return np.where(rich > 0, 1 / 3 + rich / 1.5, 0.2)

    def control_measure(self, feats: np.ndarray, names: list[str]) -> list[float]:
        return [f[names.index("richness")] for f in feats]

    def params(self, c: SongClip, seed: int, control: float, constrained: bool) -> ChordParams:
        """The clip's key, genre, metre and harmonic rhythm; complexity at its richness, and the
        colour real songs have (chromaticism 1: borrowed chords at the model's own habit, where
        the service's default keeps every chord in the key; `structure` checks that)."""
        return ChordParams(key=c.key, genre=c.genre, bars=c.bars, time_signature=c.meter,
                           chords_per_bar=chords_per_bar(c), complexity=control, seed=seed,
                           chromaticism=REAL_COLOUR)

    def made(self, variation, c: SongClip) -> Part:
        return variation.notes, variation.spans

    def structure(self, gen, made: dict[str, list[Part]], seeds: int) -> dict:
        return evaluate_structure(gen, seeds)

    def markov_part(self, gen, markov: MarkovSeq, p: ChordParams, c: SongClip,
                    rng: np.random.Generator) -> Part:
        cond, bias, hook, locked = gen.prepare(p, rng)
        tokens = markov.sample(cond.genre, cond.positions, rng, bias=bias, hook=hook)
        return voiced(gen.spans(tokens, p, locked), c.meter)

    def random_part(self, c: SongClip, rng: np.random.Generator, mean_density: float) -> Part:
        """Random diatonic triads at the clip's harmonic rhythm."""
        k = chords_per_bar(c)
        step = beats_per_bar(c.meter) / k
        degrees = [0, 2, 4, 5, 7, 9, 11] if c.key.mode == "major" else list(
            (pc - c.key.tonic) % 12 for pc in c.key.scale)
        spans = []
        for i in range(c.bars * k):
            root = (c.key.tonic + int(rng.choice(degrees))) % 12
            third = (root + 4) % 12 in c.key.scale
            chord = Chord(root, "" if third else "m")
            spans.append(Span(i * step, (i + 1) * step, chord, chord.symbol))
        return voiced(spans, c.meter)

    def copied_part(self, t: SongClip, spans: list[Span], shift: int, c: SongClip) -> Part:
        return voiced(spans, c.meter)

    def real_part(self, c: SongClip) -> Part:
        return voiced(c.spans, c.meter)

    def copy_hashes(self, notes: list[Note], spans: list[Span], key: Key) -> np.ndarray:
        beats = int(max((s.end for s in spans), default=0))
        tokens = np.zeros(beats, np.int64)
        for s in spans:
            tokens[int(s.start):int(np.ceil(s.end))] = CV.chord_token(s.chord, key)
        return chord_window_hashes(tokens)
