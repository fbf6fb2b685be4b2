"""Basslines: a line over the chords that lands on each chord's bass note at every downbeat and
change (or, in a one drop or an off-beat house bass, on its first note after it), plays its genre's
idiom (`beatengine.roles.bassline.idioms`: rule rhythms, walking, leap costs), locks to a drum
part's kicks when one is given (on the kick's own tick), and glides like an 808 in trap and drill."""

from dataclasses import replace

import numpy as np

from beatengine.meter import steps_per_bar
from beatengine.midi_io import Note
from beatengine.roles.bassline import idioms
from beatengine.roles.bassline import vocab as bassline_vocab
from beatengine.roles.lines import masks
from beatengine.roles.lines import rhythm as lines_rhythm
from beatengine.roles.lines.adherence import downbeat_root_share
from beatengine.roles.lines.generator import LineGenerator, LineParams, Prepared
from beatengine.seq.decoder import Hook

GLIDE_GENRES = ("trap", "drill")


class BasslineGenerator(LineGenerator):
    vocab = bassline_vocab.VOCAB
    spec = bassline_vocab.SPEC
    register = bassline_vocab.REGISTER
    chord_tone_lean = 1.5      # a bass that does not sit on chord tones on the beat is wrong
    walking_chord_tone_lean = 0.5   # a walking line passes through scale steps on the beat
    articulates = False

    def prepare(self, p: LineParams) -> Prepared:
        if p.kicks is None and p.constrained:
            p = replace(p, kicks=idioms.typical_kicks(p.genre, p.time_signature, p.bars, p.seed))
        return super().prepare(p)

    @staticmethod
    def ties_roots(p: LineParams) -> bool:
        """Whether the line may hold its root through a bar line or a change (not a walking
        bass, which strikes every beat, nor a one drop or an off-beat bass, which leave it open)."""
        return (p.constrained and p.genre not in idioms.WALKING
                and not idioms.open_downbeat(p.genre, p.time_signature))

    def chord_tone_strength(self, p: LineParams) -> float:
        return self.walking_chord_tone_lean if p.genre in idioms.WALKING else self.chord_tone_lean

    def references(self, steps: list, p: LineParams) -> np.ndarray:
        return bassline_vocab.step_refs(steps, p.key.tonic)

    def features(self, steps: list, p: LineParams) -> np.ndarray:
        return bassline_vocab.features(steps, p.key, p.kicks)

    def add_role_masks(self, bias: np.ndarray, pitches: np.ndarray, steps: list, p: LineParams,
                       spb: int) -> None:
        bias += masks.bass_root_mask(pitches, steps, spb,
                                     rest_ok=idioms.open_downbeat(p.genre, p.time_signature),
                                     hold_ok=self.ties_roots(p))
        rhythm = idioms.rhythm_bias(p.genre, p.time_signature, len(steps), self.vocab.size,
                                    kicks_given=p.kicks is not None)
        if rhythm is not None:
            bias += rhythm
        elif (cal := self.cfg.rhythm_calibration.get(p.genre)) and p.time_signature == "4/4":
            bias += lines_rhythm.bias_rows(np.array(cal["steps"]), len(steps), self.vocab.size)
        if p.genre in idioms.WALKING and (walk := idioms.walking_mask(
                len(steps), self.vocab.size, p.density)) is not None:
            bias += walk
        if p.kicks is not None:  # lock onsets to the kick
            bias[:, 2:] += np.where(p.kicks, 1.5, -0.75)[:, None].astype(np.float32)

    def structure_hook(self, p: LineParams, pitches: np.ndarray, steps: list, spb: int) -> Hook:
        if not p.constrained:
            return super().structure_hook(p, pitches, steps, spb)
        open_downbeat = idioms.open_downbeat(p.genre, p.time_signature)
        cal = self.cfg.rhythm_calibration.get(p.genre)
        return masks.combine_hooks(
            lines_rhythm.age_hold_hook(cal["hold_by_age"], self.vocab.size) if cal else None,
            masks.onset_per_bar_hook(spb, self.vocab.size),
            masks.first_note_root_hook(pitches, steps, spb) if open_downbeat else None,
            masks.held_root_hook(pitches, steps, spb, self.vocab.size) if self.ties_roots(p) else None,
            idioms.interval_hook(pitches, spb, walking=p.genre in idioms.WALKING,
                                 targets=idioms.approach_targets(steps, spb)))

    def render(self, line: list[tuple[int, int, int]], p: LineParams, rng: np.random.Generator
               ) -> list[Note]:
        """As every line renders, and a note struck with a kick of the drum part sounds on the
        kick's own tick (the drums' timing), ending where it did."""
        notes = super().render(line, p, rng)
        if p.kick_offsets is None or p.kicks is None:
            return notes
        out = []
        for n, (step, _, _) in zip(notes, line, strict=True):
            shift = float(p.kick_offsets[step]) if step < len(p.kicks) and p.kicks[step] else 0.0
            start = max(0.0, n.start + shift)
            # an early kick: the note before makes room (an 808 glides into a new pitch over
            # the overlap, but the same pitch struck again must not overlap: MIDI has one voice)
            if out and out[-1].start + out[-1].duration > start and (
                    not self.glides(p) or out[-1].pitch == n.pitch):
                prev = out[-1]
                out[-1] = Note(prev.pitch, prev.start, round(max(start - prev.start, 1e-3), 6),
                               prev.velocity)
            out.append(Note(n.pitch, round(start, 6), round(n.start + n.duration - start, 6),
                            n.velocity))
        return out

    def glides(self, p: LineParams) -> bool:
        return p.genre in GLIDE_GENRES

    def role_adherence(self, notes: list[Note], p: LineParams) -> dict[str, float]:
        return {"downbeat_roots": downbeat_root_share(notes, p.spans, p.bars,
                                                      steps_per_bar(p.time_signature))}
