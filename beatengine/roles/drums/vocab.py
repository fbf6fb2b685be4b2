"""The drum vocabulary as named constants.

A drum part is a grid of 16th-note steps. At each step the model emits one *pattern token*: a bitmask
of the kit pieces hit at that step (so correlated pieces, e.g. kick+closed hat, are one choice), then,
for each piece hit, a velocity bin and a microtiming-offset bin. `HH_ROLL` is a virtual piece: the closed
hi-hat played as a ratchet of 2 or 3 hits inside the step (trap/drill rolls).
"""

import numpy as np

from beatengine.meter import MAX_STEPS_PER_BAR, METERS

# ---- kit pieces (bit order of the pattern token) ----------------------------------------------
KICK, SNARE, CLOSED_HH, OPEN_HH, LOW_TOM, MID_TOM, HIGH_TOM, CRASH, RIDE, HH_ROLL = range(10)
PIECE_NAMES: tuple[str, ...] = (
    "kick", "snare", "closed_hh", "open_hh", "low_tom", "mid_tom", "high_tom", "crash", "ride",
    "hh_roll",
)
NUM_PIECES = len(PIECE_NAMES)
PIECE_INDEX: dict[str, int] = {name: i for i, name in enumerate(PIECE_NAMES)}

# General MIDI note each piece is written as by default (HH_ROLL is written as closed hats).
GM_NOTE: tuple[int, ...] = (36, 38, 42, 46, 43, 47, 50, 49, 51, 42)

# Roland TD-11 (the Groove MIDI Dataset kit) -> piece; the reduction Magenta's GrooVAE uses.
TD11_TO_PIECE: dict[int, int] = {
    36: KICK,
    37: SNARE, 38: SNARE, 40: SNARE, 39: SNARE,
    22: CLOSED_HH, 42: CLOSED_HH, 44: CLOSED_HH,
    26: OPEN_HH, 46: OPEN_HH,
    43: LOW_TOM, 58: LOW_TOM, 41: LOW_TOM,
    45: MID_TOM, 47: MID_TOM,
    48: HIGH_TOM, 50: HIGH_TOM,
    49: CRASH, 52: CRASH, 55: CRASH, 57: CRASH,
    51: RIDE, 53: RIDE, 59: RIDE,
}
# General MIDI percussion notes outside the TD-11 map, for user-supplied MIDI.
GM_EXTRA_TO_PIECE: dict[int, int] = {35: KICK, 54: CLOSED_HH, 56: CLOSED_HH, 69: CLOSED_HH,
                                     70: CLOSED_HH, 75: SNARE, 60: HIGH_TOM, 61: MID_TOM,
                                     62: HIGH_TOM, 63: MID_TOM, 64: LOW_TOM}

# ---- pattern tokens ------------------------------------------------------------------------------
NUM_PATTERNS = 1 << NUM_PIECES          # output vocabulary: every subset of pieces (0 = rest)
BOS = NUM_PATTERNS                      # start-of-sequence input token
NUM_INPUT_TOKENS = NUM_PATTERNS + 1
SKELETON_BITS = (1 << KICK) | (1 << SNARE)  # what a groove's loop is recognised by

# ---- grid ---------------------------------------------------------------------------------------
# the grid is the metre table's (beatengine.meter): 16th steps, a "beat" is a quarter note
PHRASE_BARS = 4                         # the model sees bar-in-phrase (0..3) as a position feature
NUM_POSITIONS = len(METERS) * MAX_STEPS_PER_BAR * 2 * PHRASE_BARS

# ---- per-hit detail bins ----------------------------------------------------------------------
VEL_BINS = 16                           # velocity 1..127 in bins of 8
OFFSET_BINS = 12                        # microtiming -0.5..+0.5 of a step in bins of 1/12
ROLL_DIVISIONS = (2, 3)                 # hits per step of a hi-hat roll
# Hits softer than this bin (velocity 1-8) are not heard in a mix, and are not a drummer's: GMD's
# kicks have their 2nd percentile at velocity 9-22 per genre.
MIN_VELOCITY_BIN = 1
ACCENT_MIN_VELOCITY_BIN = 7             # an accent (a backbeat, four on the floor): velocity >= 57


def position_id(meter: int, step_in_bar: int, is_fill: bool, bar_in_phrase: int) -> int:
    """Index of the position embedding for one step."""
    return ((meter * MAX_STEPS_PER_BAR + step_in_bar) * 2 + int(is_fill)) * PHRASE_BARS + (
        bar_in_phrase % PHRASE_BARS
    )


def velocity_to_bin(velocity: np.ndarray) -> np.ndarray:
    return np.clip((np.asarray(velocity, np.int64) - 1) // 8, 0, VEL_BINS - 1)


def bin_to_velocity(vel_bin: np.ndarray, jitter: np.ndarray | float = 0.5) -> np.ndarray:
    """Velocity inside a bin; jitter in [0, 1) picks where (0.5 = centre)."""
    return np.clip(1 + np.asarray(vel_bin) * 8 + np.floor(np.asarray(jitter) * 8), 1, 127).astype(
        np.int64)


def offset_to_bin(offset: np.ndarray) -> np.ndarray:
    return np.clip(np.floor((np.asarray(offset) + 0.5) * OFFSET_BINS), 0, OFFSET_BINS - 1).astype(
        np.int64)


def bin_to_offset(off_bin: np.ndarray, jitter: np.ndarray | float = 0.5) -> np.ndarray:
    return (np.asarray(off_bin) + np.asarray(jitter)) / OFFSET_BINS - 0.5
