"""Chord progressions from a checkpoint: key, genre, harmonic rhythm and complexity in; chord
spans (with locked ones kept exactly) and voiced notes out."""

from dataclasses import dataclass, field

import numpy as np

from beatengine.errors import UnsupportedRequest
from beatengine.meter import beats_per_bar
from beatengine.midi_io import Note
from beatengine.originality import MAX_RESAMPLES, Originality, resample_copies, window_hashes
from beatengine.roles.chords import vocab as CV
from beatengine.roles.chords.progression import Span, parse_items, timeline
from beatengine.roles.chords.voicing import voice_progression
from beatengine.sampling import NEG_INF
from beatengine.seq.decoder import Conditions, SeqCheckpoint
from beatengine.theory import MODES, Key

COPY_WINDOW = 8          # the originality index holds 8-chord windows
DIATONIC_LEAN = np.float32(0.3)
# per mode, which tokens' tones all lie in its scale
DIATONIC = {mode: np.array([CV.token_pcs(t) <= set(Key(0, mode).scale) for t in range(CV.VOCAB_SIZE)])
            for mode in MODES}
FORCE = np.float32(2e9)  # a bias that makes a token certain (locked chords, held slots)


@dataclass
class ChordParams:
    key: Key
    genre: str
    bars: int
    time_signature: str = "4/4"
    chords_per_bar: int = 1
    complexity: float = 0.5            # 0 triads, 0.5 up to 7ths, 1 ninths and extensions
    voicing: str = "block"
    locked: list = field(default_factory=list)  # request items: symbol, (symbol, beats) or None
    temperature: float = 1.0
    seed: int = 0
    variations: int = 1

    @property
    def beats_per_bar(self) -> int:
        return beats_per_bar(self.time_signature)

    @property
    def slot_beats(self) -> int:
        if self.beats_per_bar % self.chords_per_bar:
            raise UnsupportedRequest(f"chords_per_bar {self.chords_per_bar} does not divide a "
                                     f"{self.time_signature} bar; use 1 or {self.beats_per_bar}")
        return self.beats_per_bar // self.chords_per_bar

    def max_level(self) -> int:
        return min(CV.MAX_COMPLEXITY, int(self.complexity * (CV.MAX_COMPLEXITY + 1)))

    def richness(self) -> float:
        """The share of chords above triads the model is asked for: none up to complexity 1/3,
        then rising to all of them at 1 (0.5, the default, asks for a quarter: pop's habit)."""
        return min(1.0, max(0.0, self.complexity - 1 / 3) * 1.5)


@dataclass
class ChordVariation:
    spans: list[Span]
    notes: list[Note]
    originality: Originality


def chord_window_hashes(tokens: np.ndarray) -> np.ndarray:
    """Hashes of every 8-chord window of a key-relative progression (repeats merged)."""
    changes = tokens[np.r_[True, tokens[1:] != tokens[:-1]]] if len(tokens) else tokens
    return window_hashes(changes.astype(np.int16), COPY_WINDOW, 1)


class ChordGenerator(SeqCheckpoint):
    spec = CV.SPEC

    def warm_up(self) -> None:
        self.generate(ChordParams(Key(0, "major"), self.cfg.genres[0], bars=2))

    def conditions(self, p: ChordParams) -> Conditions:
        n = p.bars * p.beats_per_bar
        beats = np.arange(n)
        pos = np.array([CV.position(p.time_signature, b // p.beats_per_bar, b % p.beats_per_bar)
                        for b in beats])
        step = (beats % p.beats_per_bar == 0).astype(np.float32)[:, None]
        seq = np.array([p.richness(), p.chords_per_bar / 4], np.float32)
        return Conditions(self.genre_index(p.genre), self.mode_index(p.key.mode), seq, pos, step)

    def static_bias(self, p: ChordParams) -> np.ndarray:
        """Complexity: classes above its level are forbidden, and past 2/3 the richest allowed
        classes are favoured (the data has few 9ths); no N.C.; a lean towards chords of the
        scale (borrowed chords stay possible: real progressions have about 17% of them)."""
        level = CV.TOKEN_LEVEL
        lean = np.float32(2.0 * max(0.0, p.complexity - 2 / 3))
        bias = np.where(level > p.max_level(), NEG_INF, lean * level).astype(np.float32)
        bias[CV.NO_CHORD] = NEG_INF
        bias[~DIATONIC[p.key.mode]] -= DIATONIC_LEAN
        return bias

    def prepare(self, p: ChordParams) -> tuple[Conditions, np.ndarray, object, list]:
        """Conditions, the static bias, the harmonic-rhythm hook and the locked spans."""
        bpb, slot = p.beats_per_bar, p.slot_beats
        n = p.bars * bpb
        locked = timeline(parse_items(p.locked, bpb), n, loop=False) if p.locked else []
        forced = np.full(n, -1)
        for start, end, chord, _ in locked:
            if chord is not None:
                forced[int(start):int(np.ceil(end))] = CV.chord_token(chord, p.key)

        def hook(t: int, tokens: np.ndarray) -> np.ndarray | None:
            bias = np.zeros((len(tokens), CV.VOCAB_SIZE), np.float32)
            rows = np.arange(len(tokens))
            if forced[t] >= 0:
                bias[:, forced[t]] = FORCE
            elif t and t % slot:                   # inside a slot: the chord goes on
                bias[rows, tokens[:, -1]] = FORCE
            elif t and t % bpb:                    # a new slot inside the bar: a new chord
                bias[rows, tokens[:, -1]] = NEG_INF
            elif t:                                # a new bar: moving on is more usual
                bias[rows, tokens[:, -1]] = -1.0
            else:
                return None
            return bias

        return self.conditions(p), self.static_bias(p), hook, locked

    def generate(self, p: ChordParams) -> list[ChordVariation]:
        cond, bias, hook, locked = self.prepare(p)
        rng = np.random.default_rng(p.seed)

        def draw(k: int) -> list[np.ndarray]:
            return list(self.decoder.decode(cond, k, rng, p.temperature, bias=bias, hook=hook)[0])

        tokens, originality = resample_copies(draw(p.variations), self._check, draw, self.copy_threshold,
                                              MAX_RESAMPLES)
        out = []
        for b in range(p.variations):
            spans = self.spans(tokens[b], p, locked)
            notes = voice_progression([(s.start, s.beats, s.chord) for s in spans], p.voicing,
                                      p.time_signature, seed=p.seed + b)
            out.append(ChordVariation(spans, notes, originality[b]))
        return out

    def _check(self, tokens: np.ndarray) -> tuple[int, int]:
        if self.copy_index is None:
            return 0, 0
        hashes = chord_window_hashes(tokens)
        return len(hashes), int(self.copy_index.found(hashes).sum())

    @staticmethod
    def spans(tokens: np.ndarray, p: ChordParams, locked: list) -> list[Span]:
        """One span per slot (a locked chord keeps its own span and symbol)."""
        out: list[Span] = []
        covered = np.zeros(len(tokens), bool)
        for start, end, chord, symbol in locked:
            if chord is not None:
                out.append(Span(start, end, chord, symbol))
                covered[int(start):int(np.ceil(end))] = True
        for s in range(0, len(tokens), p.slot_beats):
            free = ~covered[s:s + p.slot_beats]
            if not free.any():
                continue
            first = s + int(np.argmax(free))
            end = s + p.slot_beats
            chord = CV.token_chord(int(tokens[first]), p.key)
            out.append(Span(float(first), float(end), chord, chord.symbol))
        return sorted(out, key=lambda x: x.start)
