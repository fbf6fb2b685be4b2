"""A genre's bass idiom at decode time, as logit biases learned from its rule material.

The bass model is trained on POP909's piano basses and the genre rules
(`beatengine.roles.bassline.rules`), but POP909 outnumbers every genre, so left alone it plays a
pop bass in every genre (house bass on the beat, reggae on beat 1). Two small pieces steer it:

- `rhythm_bias`: per step of the bar, how often the genre's rule basslines start a note, hold one
  or rest there (counted once per genre and metre over a long rule-made line), as log
  probabilities added to the model's: the house off-beat, the reggae one drop, walking quarters,
  the funk 16ths. Where a drum part is given, the genres whose bass follows the kick (trap, drill,
  boom bap, lo-fi, R&B, drum and bass) follow that kick instead.
- `interval_hook`: leaps cost, by how far they go past what the idiom allows: a walking bass moves
  by steps (Ron Carter, *Building Jazz Bass Lines*, 1998: scale steps and chromatic approach
  notes into each chord), and no bass leaps more than a fifth into a downbeat without reason.
"""

import functools

import numpy as np

from beatengine.meter import STEPS_PER_BEAT, steps_per_bar
from beatengine.roles.bassline import rules as bass_rules
from beatengine.roles.drums import style_rules
from beatengine.roles.drums import vocab as DV
from beatengine.roles.lines import rhythm
from beatengine.roles.lines.vocab import HOLD, REST
from beatengine.sampling import NEG_INF
from beatengine.theory import parse_chord

EPS = 0.01                # the least share a rhythm profile gives a step (log 0.01 = -4.6)
STRENGTH = 1.0
PROFILE_BARS, PROFILE_SEEDS = 8, 16     # riffs are drawn once per line: many short lines
PROFILE_CHORDS = ("C", "Am", "F", "G", "Dm", "Em", "F", "G")
LEARNED = frozenset({"pop"})   # real basslines (POP909): the model's rhythm, calibrated, not the rules'
KICK_LED = frozenset({"trap", "drill", "drum_and_bass", "boom_bap", "lofi", "rnb"})
WALKING = frozenset({"jazz"})
STEP_FREE, STEP_COST = 2, 3.0          # a walking line: moves past a whole tone cost, per semitone
REPEAT_COST = 5.0                      # and a walking line does not stand on one note,
TURN_COST = 1.5                        # keeps its direction (no neighbour-note zigzag:
BACK_COST = 2.0                        # D C D is a turn back to where it was)
APPROACH_COST = 1.5                    # and its last beat before a change steps into the new root
LEAP_FREE, LEAP_COST = 7, 0.5          # into a downbeat: moves past a fifth cost, per semitone
WIDE_FREE, WIDE_COST = 12, 0.5         # anywhere: moves past an octave cost, per semitone


@functools.cache
def rhythm_profile(genre: str, meter: str) -> np.ndarray | None:
    """(steps per bar, 3) share of rest, hold and onset at each step of the genre's rule
    basslines (None: no rules for the genre)."""
    if genre not in bass_rules.RULE_GENRES:
        return None
    spb = steps_per_bar(meter)
    beats = spb / STEPS_PER_BEAT
    chords = [(b * beats, beats, parse_chord(PROFILE_CHORDS[b % len(PROFILE_CHORDS)]))
              for b in range(PROFILE_BARS)]
    return rhythm.profile([rhythm.step_states(bass_rules.bassline(
        genre, chords, None, np.random.default_rng(seed), meter), PROFILE_BARS * spb)
        for seed in range(PROFILE_SEEDS)], spb)


def rhythm_bias(genre: str, meter: str, n_steps: int, vocab_size: int, kicks_given: bool
                ) -> np.ndarray | None:
    """(T, V) the genre's rhythm as log probabilities (None: nothing to add)."""
    prof = rhythm_profile(genre, meter)
    if prof is None or genre in LEARNED or (kicks_given and genre in KICK_LED):
        return None
    return rhythm.bias_rows(STRENGTH * np.log(prof + EPS), n_steps, vocab_size)


def typical_kicks(genre: str, meter: str, bars: int, seed: int) -> np.ndarray | None:
    """(T,) bool: where no drum part is given, the kicks of a rule-made beat of a genre whose bass
    follows the kick (what the bass was trained against), so a trap 808 still plays a trap
    figure; None for the other genres."""
    if genre not in KICK_LED or genre not in style_rules.RULE_GENRES:
        return None
    grid, _ = style_rules.generate(genre, np.random.default_rng(seed), bars, meter, 0)
    return grid.hits[:, DV.KICK] > 0


def open_downbeat(genre: str, meter: str) -> bool:
    """Whether the genre's bass usually leaves the bar's first step empty (reggae, house)."""
    prof = rhythm_profile(genre, meter)
    return prof is not None and prof[0, rhythm.REST_STATE] > 0.5


WALK_MIN_DENSITY = 0.3                 # below it the rules play a two-feel in half notes


def walking_mask(n_steps: int, vocab_size: int, density: float) -> np.ndarray | None:
    """(T, V) a walking bass's grid: a new note on every beat, each held to the next (None below
    `WALK_MIN_DENSITY`)."""
    if density < WALK_MIN_DENSITY:
        return None
    on_beat = np.arange(n_steps) % STEPS_PER_BEAT == 0
    bias = np.zeros((n_steps, vocab_size), np.float32)
    bias[np.ix_(on_beat, [REST, HOLD])] = NEG_INF
    bias[~on_beat] = NEG_INF
    bias[~on_beat, HOLD] = 0
    return bias


def approach_targets(steps: list, spb: int) -> np.ndarray:
    """(T,) the next chord's bass pitch class on the last beat before each change (else -1)."""
    out = np.full(len(steps), -1)
    beat = STEPS_PER_BEAT
    for t in range(beat, len(steps)):
        if steps[t] is not None and steps[t] != steps[t - 1]:
            out[t - beat] = steps[t].bass_pc
    return out


def interval_hook(pitches: np.ndarray, spb: int, walking: bool, targets: np.ndarray | None = None):
    """A hook charging each note for its leap from the line's last note: past a whole tone in a
    walking line (which also never repeats a note, keeps its direction, does not turn back to
    the note before and steps into the next chord's bass from the beat before); in any other
    line past a fifth into a downbeat and past an octave anywhere."""
    is_note = pitches >= 0                                        # (T, V)
    seen = rhythm.LastOnsets()

    def pitch_at(steps: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        return pitches[steps, tokens[np.arange(len(tokens)), steps]]

    def hook(t: int, tokens: np.ndarray) -> np.ndarray | None:
        seen.update(t, tokens)
        played = seen.last >= 0                                     # (B,)
        if t == 0 or not played.any():
            return None
        prev = pitch_at(np.maximum(seen.last, 0), tokens)           # (B,)
        move = pitches[t][None, :] - prev[:, None]                 # (B, V)
        leap = np.abs(move)
        if not walking:                                             # the common case, kept lean
            free, cost = (LEAP_FREE, LEAP_COST) if t % spb == 0 else (WIDE_FREE, WIDE_COST)
            excess = np.where(is_note[t], leap - free, 0)           # REST and HOLD cost nothing
            if excess.max() <= 0:
                return None
            return (-cost * np.maximum(excess, 0) * played[:, None]).astype(np.float32)
        bias = -STEP_COST * np.maximum(0, leap - STEP_FREE).astype(np.float32)
        bias[leap == 0] -= REPEAT_COST
        if (seen.last2 >= 0).all():
            prev2 = pitch_at(seen.last2, tokens)
            bias[(np.sign(move) * np.sign(prev - prev2)[:, None]) < 0] -= TURN_COST
            bias[pitches[t][None, :] == prev2[:, None]] -= BACK_COST
        if targets is not None and targets[t] >= 0:
            to_root = (pitches[t] - targets[t]) % 12                            # (V,)
            away = np.minimum(to_root, 12 - to_root)           # an approach is a step off the root
            bias -= APPROACH_COST * np.where(away == 0, 2, np.maximum(0, away - 2))
        return bias * (is_note[t][None, :] & played[:, None])
    return hook
