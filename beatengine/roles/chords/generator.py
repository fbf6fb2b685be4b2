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
from beatengine.roles.chords.styles import colour_tokens, lean_bias, style_of, tonic_tokens
from beatengine.roles.chords.voicing import voice_progression
from beatengine.sampling import NEG_INF
from beatengine.seq.decoder import Conditions, SeqCheckpoint
from beatengine.theory import MODES, Key

COPY_WINDOW = 8          # the originality index holds 8-chord windows
PHRASE_BARS = 8          # a phrase's last bar is where song genres vary the cadence
MAX_ROWS = 16            # rows of a loop plan: variations, and the redraws of copies
# per mode, which tokens' tones all lie in its scale
DIATONIC = {mode: np.array([CV.token_pcs(t) <= set(Key(0, mode).scale) for t in range(CV.VOCAB_SIZE)])
            for mode in MODES}
# a genre the model learned from labelled songs follows them more than the documented leans
LEARNED_LEAN = 0.5
# chromaticism c: the genre's colour chords gain log(c) + GENRE_COLOUR, other borrowed chords
# OTHER_COLOUR * log(c) (at 1 the model's own habit, as real songs borrow; below it fast rarer)
GENRE_COLOUR, OTHER_COLOUR = 2.0, 2.0
FORCE = np.float32(2e9)  # a bias that makes a token certain (locked chords, held slots)


@dataclass
class ChordParams:
    key: Key
    genre: str
    bars: int
    time_signature: str = "4/4"
    chords_per_bar: int = 1
    complexity: float | None = None    # 0 triads, 0.5 up to 7ths, 1 ninths; None: the genre's
    voicing: str = "block"
    locked: list = field(default_factory=list)  # request items: symbol, (symbol, beats) or None
    temperature: float = 1.0
    seed: int = 0
    variations: int = 1
    loop_bars: int | None = None       # the progression's loop; None: the genre's
    chromaticism: float | None = None  # 0 every chord in the key; None: the genre's colour

    def __post_init__(self) -> None:
        style = style_of(self.genre)
        self.complexity = style.complexity if self.complexity is None else self.complexity
        self.loop_bars = style.loop_bars if self.loop_bars is None else self.loop_bars
        self.chromaticism = style.chromaticism if self.chromaticism is None else self.chromaticism

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
        classes are favoured (the data has few 9ths); no N.C.; the genre's leans and the mode's
        characteristic chord. The key holds: a chord with a tone outside the mode's scale is
        forbidden at chromaticism 0; above it the genre's colour chords come first and other
        borrowed chords cost more."""
        level = CV.TOKEN_LEVEL
        lean = np.float32(2.0 * max(0.0, p.complexity - 2 / 3))
        bias = np.where(level > p.max_level(), NEG_INF, lean * level).astype(np.float32)
        learned = p.genre in (self.cfg.trained_genres or ())
        bias += (LEARNED_LEAN if learned else 1.0) * lean_bias(p.genre, p.key.mode)
        borrowed = ~DIATONIC[p.key.mode]
        if p.chromaticism <= 0:
            bias[borrowed] = NEG_INF
        else:
            colour = colour_tokens(p.genre, p.key.mode) & borrowed
            bias[borrowed & ~colour] += np.float32(OTHER_COLOUR * np.log(p.chromaticism))
            bias[colour] += np.float32(np.log(p.chromaticism) + GENRE_COLOUR)
            bias[borrowed & CV.TONIC] = NEG_INF          # the tonic keeps the mode's quality
        bias[CV.NO_CHORD] = NEG_INF
        return bias

    @staticmethod
    def loop_plan(p: ChordParams, rng: np.random.Generator) -> np.ndarray:
        """(MAX_ROWS, bars) bool: the bars written afresh; every other bar past the loop copies
        the bar `loop_bars` before it. Each later line (`loop_bars` bars) repeats the one before
        with the genre's `line_repeat`, else is new; a repeated line's last bar at a phrase end
        is rewritten with the genre's `cadence`."""
        style = style_of(p.genre)
        bars = np.arange(p.bars)
        line = bars // p.loop_bars
        new_line = rng.random((MAX_ROWS, int(line.max()) + 1)) >= style.line_repeat
        fresh = (line == 0) | new_line[:, line]
        phrase_end = (bars % PHRASE_BARS == PHRASE_BARS - 1) & (line > 0)
        return fresh | (phrase_end & (rng.random((MAX_ROWS, p.bars)) < style.cadence))

    def prepare(self, p: ChordParams, rng: np.random.Generator
                ) -> tuple[Conditions, np.ndarray, object, list]:
        """Conditions, the static bias, the loop and harmonic-rhythm hook and the locked spans."""
        bpb, slot = p.beats_per_bar, p.slot_beats
        n = p.bars * bpb
        loop = p.loop_bars * bpb
        fresh = self.loop_plan(p, rng)
        style = style_of(p.genre)
        moving_on = -style.moving_on
        last_slot = loop - slot
        tonic = tonic_tokens(p.key.mode)
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
                return bias
            if t == 0:                             # a one-slot loop is its tonic chord
                return self.loop_closing(tokens, tonic, 1) if last_slot == 0 and not p.locked else None
            prev = tokens[:, -1]
            if t % slot:                           # inside a slot: the chord goes on
                bias[rows, prev] = FORCE
            elif t % bpb:                          # a new slot inside the bar: a new chord
                bias[rows, prev] = NEG_INF
            else:                                  # a new bar: moving on is more usual
                bias[rows, prev] += moving_on
            if t == last_slot and not p.locked:
                bias += self.loop_closing(tokens, tonic, style.min_chords, prev)
            copy = ~fresh[:len(tokens), t // bpb]                             # (B,)
            if copy.any():                         # the loop repeats
                bias[copy] = 0
                bias[rows[copy], tokens[copy, t - loop]] = FORCE
            return bias

        return self.conditions(p), self.static_bias(p), hook, locked

    @staticmethod
    def loop_closing(tokens: np.ndarray, tonic: np.ndarray, min_chords: int,
                     prev: np.ndarray | None = None) -> np.ndarray:
        """(B, V) bias on the loop's last slot: a loop that has not yet sounded the mode's tonic
        chord (`tonic`, (V,) bool) ends on it (a loop that never does plays in another key), and
        one that has held a single chord moves (unless the genre vamps on one)."""
        bias = np.zeros((len(tokens), CV.VOCAB_SIZE), np.float32)
        no_tonic = ~tonic[tokens].any(axis=1)                                  # (B,)
        bias[np.ix_(no_tonic, ~tonic)] = NEG_INF
        if min_chords > 1 and prev is not None:
            single = (tokens == prev[:, None]).all(axis=1)
            bias[np.nonzero(single)[0], prev[single]] = NEG_INF
        return bias

    def generate(self, p: ChordParams) -> list[ChordVariation]:
        rng = np.random.default_rng(p.seed)
        cond, bias, hook, locked = self.prepare(p, rng)

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
