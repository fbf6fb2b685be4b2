"""Melodies: a line over the key and the chords, planned in 2-bar units so phrases repeat and vary
the way songs do (a motif, a varied answer with the same rhythm and new pitches, the motif again, a
new close; later phrases bring the motif back). Loop genres (trap, house, lo-fi, ...) repeat a
1-, 2- or 4-bar melodic loop instead and vary it at the end of each 8-bar phrase; each genre's
rhythm and swing come from `beatengine.roles.melody.styles`."""

import numpy as np

from beatengine.roles.lines import masks, rhythm
from beatengine.roles.lines.generator import LineGenerator, LineParams
from beatengine.roles.melody import vocab as melody_vocab
from beatengine.roles.melody.styles import pitch_bias, rhythm_bias, style_of
from beatengine.seq.decoder import Hook


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


def loop_plan(n_units: int, units_per_phrase: int) -> list[tuple[str, int]]:
    """Per loop unit: the first is new, the rest copy it ("loop"), and the last of each phrase
    varies it (same rhythm, new pitches) when the phrase has more than two units."""
    plan = []
    for i in range(n_units):
        last = i % units_per_phrase == units_per_phrase - 1 and units_per_phrase > 2
        plan.append(("new", -1) if i == 0 else ("vary", 0) if last else ("loop", 0))
    return plan


def progression_period(steps: list, spb: int) -> int:
    """The bars after which the chords repeat (1, 2 or 4; 0 when they do not within the clip)."""
    for bars in (1, 2, 4):
        n = bars * spb
        if n < len(steps) and all(steps[t] == steps[t - n] for t in range(n, len(steps))):
            return bars
    return 0


REPEAT_LEAN, LOOP_LEAN = 4.0, 12.0   # a song's motif comes back nearly; a loop comes back exactly


def motif_hook(plan: list[tuple[str, int]], unit: int, vocab_size: int):
    def hook(t: int, tokens: np.ndarray) -> np.ndarray | None:
        kind, src = plan[t // unit]
        if kind == "new":
            return None
        ref = tokens[:, src * unit + t % unit]                                # (B,)
        bias = np.zeros((len(ref), vocab_size), np.float32)
        rows = np.arange(len(ref))
        if kind in ("repeat", "loop"):
            bias[rows, ref] += REPEAT_LEAN if kind == "repeat" else LOOP_LEAN
        else:  # same rhythm (onset / hold / rest), pitch free but leaning to the motif's
            onset = ref >= 2
            bias[onset, 2:] += 2.5
            bias[rows[onset], ref[onset]] += 1.0
            bias[rows[~onset], ref[~onset]] += 2.5
        return bias
    return hook


PHRASE_BARS = 8


class MelodyGenerator(LineGenerator):
    vocab = melody_vocab.VOCAB
    spec = melody_vocab.SPEC
    register = melody_vocab.REGISTER
    # a melody that only ever lands on chord tones is stiff (real POP909 lines do on about 72% of
    # strong beats, and 65% of all their notes are chord tones)
    chord_tone_lean = 0.1

    def references(self, steps: list, p: LineParams) -> np.ndarray:
        return np.full(len(steps), melody_vocab.reference(p.key))

    def features(self, steps: list, p: LineParams) -> np.ndarray:
        return melody_vocab.features(steps, p.key)

    def add_role_masks(self, bias: np.ndarray, pitches: np.ndarray, steps: list, p: LineParams,
                       spb: int) -> None:
        style = style_of(p.genre)
        bias += rhythm_bias(style, p.time_signature, len(steps), self.vocab.size,
                            self.calibrated_rhythm(p.genre))
        bias += pitch_bias(style, p.key, pitches, steps)

    def calibrated_rhythm(self, genre: str) -> dict | None:
        """The checkpoint's rhythm calibration for `genre` (genres without their own melodies
        take pop's, the only one the data has)."""
        cal = self.cfg.rhythm_calibration
        return cal.get(genre) or cal.get("pop") or None

    def structure_hook(self, p: LineParams, pitches: np.ndarray, steps: list, spb: int) -> Hook:
        n_steps = len(pitches)
        loop_bars = style_of(p.genre).loop_bars
        if loop_bars:            # a melodic loop spans the chord loop under it (up to 4 bars)
            loop_bars = max(loop_bars, progression_period(steps, spb))
            unit = loop_bars * spb
            plan = loop_plan(-(-n_steps // unit), max(1, PHRASE_BARS // loop_bars))
        else:
            unit = 2 * spb
            plan = motif_plan(-(-n_steps // unit))
        cal = self.calibrated_rhythm(p.genre) if p.constrained else None
        return masks.combine_hooks(motif_hook(plan, unit, self.vocab.size),
                                   masks.onset_per_bar_hook(spb, self.vocab.size),
                                   rhythm.age_hold_hook(cal["hold_by_age"], self.vocab.size)
                                   if cal and style_of(p.genre).onsets is None else None)
