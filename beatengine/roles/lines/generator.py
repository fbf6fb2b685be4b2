"""What basslines and melodies share: a line generator over a progression, a key and controls.

A line is decoded by the shared step-sequence model (`beatengine.seq`) under the masks of
`beatengine.roles.lines.masks`. The roles differ in their vocabulary's reference pitch, their per-step
features, their own masks and structure hooks and how they render: each is a subclass
(`beatengine.roles.bassline.generator`, `beatengine.roles.melody.generator`) filling in those hooks.
"""

from dataclasses import dataclass

import numpy as np

from beatengine.errors import UnsupportedRequest
from beatengine.genres import GENRE_INDEX, PITCHED_SWING
from beatengine.meter import STEPS_PER_BEAT, steps_per_bar, strong_steps
from beatengine.midi_io import Note
from beatengine.originality import (
    MAX_RESAMPLES,
    Originality,
    interval_ngram_hashes,
    resample_copies,
)
from beatengine.roles.chords.progression import Span
from beatengine.roles.lines import masks
from beatengine.roles.lines import vocab as LV
from beatengine.roles.lines.adherence import adherence
from beatengine.seq.decoder import Conditions, Hook, SeqCheckpoint
from beatengine.theory import Key, parse_chord

NGRAM = 8                       # notes per originality n-gram
GLIDE_BEATS = 0.125             # a 32nd of overlap: a DAW 808 with portamento glides into the note
# articulation at humanize 0.3 (the default; 0 keeps the grid's lengths): a player releases a note
# before the next one (to 0.8 of the gap, by a 16th at most) and holds a note that a rest follows
# a little past the grid (to 1.5 of its length), each by +-10%. Held-out POP909 lines: a note lasts
# a median 0.76 of the gap to the next, an 8th-gap note 0.33-0.49 beats (the grid: 0.25 or 0.5).
RELEASE, STRETCH, SPREAD = 0.2, 0.5, 0.1


@dataclass
class LineParams:
    key: Key
    genre: str
    bars: int
    spans: list[Span]
    time_signature: str = "4/4"
    density: float = 0.5
    low: int = 28
    high: int = 55
    chromaticism: float = 0.0
    kicks: np.ndarray | None = None     # (T,) bool per 16th: the drum part's kicks (bass)
    kick_offsets: np.ndarray | None = None  # (T,) beats each kick sounds off its step (bass)
    temperature: float = 1.0
    seed: int = 0
    variations: int = 1
    humanize: float = 0.3
    constrained: bool = True            # False: only the register mask (to measure the model alone)


@dataclass
class Prepared:
    cond: Conditions
    static: np.ndarray       # (V,) bias on every step
    step_bias: np.ndarray    # (T, V)
    hook: object             # motif hook or None
    refs: np.ndarray         # (T,) reference pitch per step
    steps: list              # (T,) chord sounding per step
    strong: np.ndarray       # (T,) strong steps


@dataclass
class LineVariation:
    notes: list[Note]
    originality: Originality
    adherence: dict[str, float]


def note_ngram_hashes(notes: list[Note]) -> np.ndarray:
    """The originality index's windows of a line given as notes, in the order given: NGRAM-note
    n-grams of (interval, onset gap in 16ths); none for a line shorter than that."""
    if len(notes) < NGRAM:
        return np.zeros(0, np.uint64)
    return interval_ngram_hashes(np.array([n.pitch for n in notes]),
                                 np.array([int(round(n.start * STEPS_PER_BEAT)) for n in notes]),
                                 NGRAM)


def articulated(start: float, length: float, gap: float, bar: float, amount: float,
                rng: np.random.Generator) -> float:
    """A grid note's played length (beats): released before the next onset (by RELEASE of the gap,
    at most a 16th), and a little past the grid where a rest follows, but never into the next beat
    (a rest on the beat is the line's: a one drop, an off-beat bass) nor past the next onset; a
    note tied over a bar line still sounds on its downbeat. `amount` 0-1 scales it all."""
    beat_left = np.floor(start + length - 1e-6) + 1 - start
    stretched = min(length * (1 + STRETCH * amount), max(length, beat_left))
    release = min(gap * RELEASE, 1 / STEPS_PER_BEAT) * amount
    played = min(gap - release, stretched) * (1 + SPREAD * amount * rng.uniform(-1, 1))
    tied_over = np.floor((start + length - 1e-6) / bar) * bar - start      # beats to the last bar line
    floor = tied_over + 1 / STEPS_PER_BEAT if tied_over > 0 else 1 / (2 * STEPS_PER_BEAT)
    return max(floor, min(played, gap, max(length, beat_left)))


class LineGenerator(SeqCheckpoint):
    """A loaded line checkpoint. Subclasses set `vocab`, `spec`, `register` and
    `chord_tone_lean` and fill in the hooks below."""

    vocab: LV.LineVocab
    register: tuple[int, int]
    # whether notes are released before the next as a player's are (`articulated`): a melody is;
    # a bass keeps its grid lengths (measured against POP909's basses, releasing them made the
    # lines easier to tell from real ones, C2ST 0.870 -> 0.899)
    articulates: bool = True
    chord_tone_lean: float    # logit lean towards chord tones on strong beats

    def references(self, steps: list, p: LineParams) -> np.ndarray:
        """(T,) the reference pitch of the vocabulary's tokens at every step."""
        raise NotImplementedError

    def chord_tone_strength(self, p: LineParams) -> float:
        """The lean towards chord tones on strong beats for this request."""
        return self.chord_tone_lean

    def features(self, steps: list, p: LineParams) -> np.ndarray:
        """(T, F) what the line must follow, per step."""
        raise NotImplementedError

    def add_role_masks(self, bias: np.ndarray, pitches: np.ndarray, steps: list, p: LineParams,
                       spb: int) -> None:
        """Add the role's own masks to the (T, V) bias (after the shared ones)."""

    def structure_hook(self, p: LineParams, pitches: np.ndarray, steps: list, spb: int) -> Hook:
        """The hook that shapes the line as it is sampled (no bar left empty, motifs, ...);
        `pitches` (T, V) is each token's pitch at each step, `steps` the chord at each step."""
        return masks.onset_per_bar_hook(spb, self.vocab.size)

    def swing(self, p: LineParams) -> float:
        """How late off-beat 8ths sound, as a share of an 8th (0 straight, 1/3 a triplet)."""
        return PITCHED_SWING.get(p.genre, 0.0)

    def glides(self, p: LineParams) -> bool:
        """Whether a note running straight into the next overlaps it (an 808 slide)."""
        return False

    def role_adherence(self, notes: list[Note], p: LineParams) -> dict[str, float]:
        """Adherence measures of the role beyond the shared ones."""
        return {}

    def warm_up(self) -> None:
        span = Span(0.0, 4.0, parse_chord("C"), "C")
        lo, hi = self.register
        self.generate(LineParams(Key(0, "major"), self.cfg.genres[0], 1, [span], low=lo, high=hi))

    def prepare(self, p: LineParams) -> Prepared:
        """Everything decoding needs: conditions, masks, the structure hook and the references."""
        spb = steps_per_bar(p.time_signature)
        T = p.bars * spb
        steps = LV.chord_steps([(s.start, s.end, s.chord) for s in p.spans], T)
        refs = self.references(steps, p)
        pitches = self.vocab.token_pitches(refs)                               # (T, V)
        strong = strong_steps(p.time_signature, T)
        playable = (pitches >= p.low) & (pitches <= p.high)
        if not playable.any(axis=1).all():
            notes = pitches[pitches >= 0]
            raise UnsupportedRequest(f"register {p.low}-{p.high} is outside what the "
                                     f"{self.cfg.role} model can play here "
                                     f"({notes.min()}-{notes.max()})")
        bias = masks.register_mask(pitches, p.low, p.high)
        if p.constrained:
            bias += (masks.scale_mask(pitches, p.key, steps, strong, p.chromaticism)
                     + masks.chord_tone_nudge(pitches, steps, strong, self.chord_tone_strength(p)))
        bias[0, LV.HOLD] = masks.NEG_INF
        if p.constrained:
            self.add_role_masks(bias, pitches, steps, p, spb)
        cond = Conditions(self.genre_index(p.genre), self.mode_index(p.key.mode),
                          np.array([p.density], np.float32), LV.positions(p.time_signature, p.bars),
                          self.features(steps, p))
        return Prepared(cond, masks.density_nudge(self.vocab.size, p.density, 1.0), bias,
                        self.structure_hook(p, pitches, steps, spb), refs, steps, strong)

    def generate(self, p: LineParams) -> list[LineVariation]:
        pr = self.prepare(p)
        # the genre joins the seed: one seed gives a trap take and a jazz take, not one line
        rng = np.random.default_rng([p.seed, GENRE_INDEX.get(p.genre, len(GENRE_INDEX))])

        def lines(k: int) -> list:
            tokens, _ = self.decoder.decode(pr.cond, k, rng, p.temperature, bias=pr.static,
                                            step_bias=pr.step_bias, hook=pr.hook)
            return [LV.decode_line(t, pr.refs, self.vocab) for t in tokens]

        kept, originality = resample_copies(lines(p.variations), self._check, lines,
                                            self.copy_threshold, MAX_RESAMPLES)
        out = []
        for b in range(p.variations):
            notes = self.render(kept[b], p, rng)
            measures = {**adherence(notes, p.key, pr.steps, pr.strong),
                        **self.role_adherence(notes, p)}
            out.append(LineVariation(notes, originality[b],
                                     {k: round(v, 4) for k, v in measures.items()}))
        return out

    def _check(self, line: list[tuple[int, int, int]]) -> tuple[int, int]:
        if self.copy_index is None or len(line) < NGRAM:
            return 0, 0
        hashes = interval_ngram_hashes(np.array([n[2] for n in line]), np.array([n[0] for n in line]),
                                       NGRAM)
        return len(hashes), int(self.copy_index.found(hashes).sum())

    def render(self, line: list[tuple[int, int, int]], p: LineParams, rng: np.random.Generator
               ) -> list[Note]:
        """Notes in beats with accents (beats louder than off-beats), swing (an off-beat 8th
        sounds late and the note before it holds on to it: long-short) and, where the role
        glides, 808 slides: a note running straight into the next overlaps it by a 32nd."""
        end = p.bars * steps_per_bar(p.time_signature) / STEPS_PER_BEAT
        glide = self.glides(p)
        late = self.swing(p) * 0.5 if p.time_signature == "4/4" else 0.0   # beats

        def at(step: int) -> float:                 # where a grid step sounds
            return step / STEPS_PER_BEAT + (late if late and step % 4 == 2 else 0.0)

        notes = []
        amount = min(1.0, p.humanize / 0.3) if self.articulates and not glide else 0.0
        bar = steps_per_bar(p.time_signature) / STEPS_PER_BEAT
        for i, (start, length, pitch) in enumerate(line):
            s = at(start)
            d = max(at(start + length) - s, 1 / STEPS_PER_BEAT)
            accent = 100 if start % 4 == 0 else 84
            vel = int(np.clip(accent + rng.normal(0, 12 * p.humanize), 1, 127))
            legato = i + 1 < len(line) and line[i + 1][0] == start + length
            if glide and legato and line[i + 1][2] != pitch:
                d += GLIDE_BEATS
            if amount:
                gap = at(line[i + 1][0]) - s if i + 1 < len(line) else d
                d = articulated(s, d, gap, bar, amount, rng)
            notes.append(Note(pitch, round(s, 6), round(min(d, end - s), 6), vel))
        return notes
