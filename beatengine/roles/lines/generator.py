"""Basslines and melodies from a checkpoint: a progression, a key and controls in; notes out.

Both roles share one decoder and differ in their vocabulary's reference pitch, their per-step
features and their masks (see `beatengine.roles.lines.masks`). Melodies are planned in 2-bar units:
a motif, a varied answer (same rhythm, new pitches), the motif again and a new close, so phrases
repeat and vary the way songs do.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from beatengine.errors import UnsupportedRequest
from beatengine.meter import STEPS_PER_BEAT, steps_per_bar, strong_steps
from beatengine.midi_io import Note
from beatengine.originality import (
    Originality,
    interval_ngram_hashes,
    resample_copies,
)
from beatengine.roles.chords.progression import Span
from beatengine.roles.lines import masks
from beatengine.roles.lines import vocab as LV
from beatengine.seq.decoder import Conditions, SeqCheckpoint
from beatengine.theory import Key

MAX_RESAMPLES = 3
NGRAM = 8                       # notes per originality n-gram
GLIDE_GENRES = ("trap", "drill")
# logit lean towards chord tones on strong beats: a melody that only ever lands on chord tones is
# stiff (real POP909 lines do on about 72% of strong beats), a bass that does not is wrong
CHORD_TONE_NUDGE = {"melody": 0.8, "bassline": 1.5}
GLIDE_BEATS = 0.125             # a 32nd of overlap: a DAW 808 with portamento glides into the note


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


def motif_plan(n_units: int) -> list[tuple[str, int]]:
    """Per 2-bar unit: ("new", -) | ("repeat", source) | ("vary", source). A 4-unit phrase is
    A A' A B; later phrases bring A back and vary the close."""
    plan = []
    for i in range(n_units):
        k = i % 4
        if k == 0:
            plan.append(("new", -1) if i == 0 else ("repeat", 0))
        elif k == 1:
            plan.append(("vary", i - 1))
        elif k == 2:
            plan.append(("repeat", i - 2))
        else:
            plan.append(("new", -1) if i < 4 else ("vary", 3))
    return plan


def motif_hook(plan: list[tuple[str, int]], unit: int, vocab_size: int):
    def hook(t: int, tokens: np.ndarray) -> np.ndarray | None:
        kind, src = plan[t // unit]
        if kind == "new":
            return None
        ref = tokens[:, src * unit + t % unit]                                # (B,)
        bias = np.zeros((len(ref), vocab_size), np.float32)
        rows = np.arange(len(ref))
        if kind == "repeat":
            bias[rows, ref] += 4.0
        else:  # same rhythm (onset / hold / rest), pitch free but leaning to the motif's
            onset = ref >= 2
            bias[onset, 2:] += 2.5
            bias[rows[onset], ref[onset]] += 1.0
            bias[rows[~onset], ref[~onset]] += 2.5
        return bias
    return hook


def onset_per_bar_hook(spb: int, vocab_size: int):
    """A bar-structure mask: a bar that reaches its last beat without a note must start one there,
    so no bar of a line is left empty (however low the density)."""
    last_beat = spb - 4

    def hook(t: int, tokens: np.ndarray) -> np.ndarray | None:
        if t % spb != last_beat:
            return None
        silent = ~(tokens[:, t - last_beat:t] >= 2).any(axis=1)               # (B,)
        if not silent.any():
            return None
        bias = np.zeros((len(tokens), vocab_size), np.float32)
        bias[silent, LV.REST] = bias[silent, LV.HOLD] = masks.NEG_INF
        return bias
    return hook


def combine_hooks(*hooks):
    """One hook adding up the biases of several (None where none has anything to say)."""
    live = [h for h in hooks if h is not None]

    def hook(t: int, tokens: np.ndarray) -> np.ndarray | None:
        parts = [b for h in live if (b := h(t, tokens)) is not None]
        return sum(parts[1:], parts[0]) if parts else None
    return hook


class LineGenerator(SeqCheckpoint):
    def __init__(self, path: Path):
        super().__init__(path)
        self.role = self.cfg.role
        self.vocab = LV.BASS if self.role == "bassline" else LV.MELODY

    def warm_up(self) -> None:
        from beatengine.theory import parse_chord
        span = Span(0.0, 4.0, parse_chord("C"), "C")
        lo, hi = (28, 55) if self.role == "bassline" else (60, 84)
        self.generate(LineParams(Key(0, "major"), self.cfg.genres[0], 1, [span], low=lo, high=hi))

    def prepare(self, p: LineParams) -> "Prepared":
        """Everything decoding needs: conditions, masks, the motif hook and the reference pitches."""
        spb = steps_per_bar(p.time_signature)
        T = p.bars * spb
        steps = LV.chord_steps([(s.start, s.end, s.chord) for s in p.spans], T)
        refs = (LV.step_refs(steps, p.key.tonic) if self.role == "bassline"
                else np.full(T, LV.melody_reference(p.key)))
        pitches = self.vocab.token_pitches(refs)                               # (T, V)
        strong = strong_steps(p.time_signature, T)
        playable = (pitches >= p.low) & (pitches <= p.high)
        if not playable.any(axis=1).all():
            notes = pitches[pitches >= 0]
            raise UnsupportedRequest(f"register {p.low}-{p.high} is outside what the {self.role} "
                                     f"model can play here ({notes.min()}-{notes.max()})")
        bias = masks.register_mask(pitches, p.low, p.high)
        if p.constrained:
            bias += (masks.scale_mask(pitches, p.key, steps, strong, p.chromaticism)
                     + masks.chord_tone_nudge(pitches, steps, strong, CHORD_TONE_NUDGE[self.role]))
        bias[0, LV.HOLD] = masks.NEG_INF
        if self.role == "bassline":
            feats = LV.bass_features(steps, p.key, p.kicks)
            if p.constrained:
                bias += masks.bass_root_mask(pitches, steps, spb)
            if p.kicks is not None and p.constrained:  # lock onsets to the kick
                bias[:, 2:] += np.where(p.kicks, 1.5, -0.75)[:, None].astype(np.float32)
            hook = onset_per_bar_hook(spb, self.vocab.size)
        else:
            feats = LV.melody_features(steps, p.key)
            unit = 2 * spb
            hook = combine_hooks(motif_hook(motif_plan(-(-T // unit)), unit, self.vocab.size),
                                 onset_per_bar_hook(spb, self.vocab.size))
        cond = Conditions(self.genre_index(p.genre), self.mode_index(p.key.mode),
                          np.array([p.density], np.float32), LV.positions(p.time_signature, p.bars),
                          feats)
        return Prepared(cond, masks.density_nudge(self.vocab.size, p.density, 1.0), bias, hook, refs,
                        steps, strong)

    def generate(self, p: LineParams) -> list[LineVariation]:
        pr = self.prepare(p)
        rng = np.random.default_rng(p.seed)

        def lines(k: int) -> list:
            tokens, _ = self.decoder.decode(pr.cond, k, rng, p.temperature, bias=pr.static,
                                            step_bias=pr.step_bias, hook=pr.hook)
            return [LV.decode_line(t, pr.refs, self.vocab) for t in tokens]

        kept, originality = resample_copies(lines(p.variations), self._check, lines,
                                            self.copy_threshold, MAX_RESAMPLES)
        out = []
        for b in range(p.variations):
            notes = self.render(kept[b], p, rng)
            out.append(LineVariation(notes, originality[b],
                                     adherence(notes, p, pr.steps, pr.strong, self.role)))
        return out

    def _check(self, line: list[tuple[int, int, int]]) -> tuple[int, int]:
        if self.copy_index is None or len(line) < NGRAM:
            return 0, 0
        hashes = interval_ngram_hashes(np.array([n[2] for n in line]), np.array([n[0] for n in line]),
                                       NGRAM)
        return len(hashes), int(self.copy_index.found(hashes).sum())

    def render(self, line: list[tuple[int, int, int]], p: LineParams, rng: np.random.Generator
               ) -> list[Note]:
        """Notes in beats with accents (beats louder than off-beats) and, for trap and drill bass,
        808 glides: a note running straight into the next overlaps it by a 32nd."""
        end = p.bars * steps_per_bar(p.time_signature) / STEPS_PER_BEAT
        glide = self.role == "bassline" and p.genre in GLIDE_GENRES
        notes = []
        for i, (start, length, pitch) in enumerate(line):
            s, d = start / STEPS_PER_BEAT, length / STEPS_PER_BEAT
            accent = 100 if start % 4 == 0 else 84
            vel = int(np.clip(accent + rng.normal(0, 12 * p.humanize), 1, 127))
            legato = i + 1 < len(line) and line[i + 1][0] == start + length
            if glide and legato and line[i + 1][2] != pitch:
                d += GLIDE_BEATS
            notes.append(Note(pitch, round(s, 6), round(min(d, end - s), 6), vel))
        return notes


def adherence(notes: list[Note], p: LineParams, steps: list, strong: np.ndarray, role: str
              ) -> dict[str, float]:
    """How well a line met the request: share of notes in the key's scale (or the sounding chord),
    share of strong-beat notes that are chord tones, and for bass the share of bar and chord
    starts that sound the chord's bass note."""
    scale = set(p.key.scale)
    in_key = strong_total = strong_ct = 0
    for n in notes:
        t = int(round(n.start * STEPS_PER_BEAT))
        chord = steps[t] if t < len(steps) else None
        pcs = chord.pitch_classes if chord is not None else frozenset()
        in_key += n.pitch % 12 in scale or n.pitch % 12 in pcs
        if strong[t]:
            strong_total += 1
            strong_ct += n.pitch % 12 in pcs
    out = {"in_key": in_key / len(notes) if notes else 1.0,
           "strong_beat_chord_tones": strong_ct / strong_total if strong_total else 1.0}
    if role == "bassline":
        out["downbeat_roots"] = downbeat_root_share(notes, p.spans, p.bars,
                                                    steps_per_bar(p.time_signature))
    return {k: round(v, 4) for k, v in out.items()}


def downbeat_root_share(notes: list[Note], spans: list[Span], bars: int, spb: int) -> float:
    """Share of bar starts and chord starts where a bass note starts on the chord's bass note."""
    starts: dict[int, int] = {}
    for n in sorted(notes, key=lambda n: -n.pitch):   # the lowest note starting there counts
        starts[round(n.start * STEPS_PER_BEAT)] = n.pitch % 12
    targets: dict[int, int] = {}
    for s in spans:
        targets[round(s.start * STEPS_PER_BEAT)] = s.chord.bass_pc
        for bar in range(bars):
            b = bar * spb
            if s.start * STEPS_PER_BEAT <= b < s.end * STEPS_PER_BEAT:
                targets[b] = s.chord.bass_pc
    hits = sum(starts.get(t) == pc for t, pc in targets.items())
    return hits / len(targets) if targets else 1.0
