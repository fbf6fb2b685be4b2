"""The one metre table: the metres the engine writes and what every role needs to know of them.

Times are in beats (quarter notes) and steps are 16ths, everywhere. 6/8 is two dotted-quarter pulses,
three quarter-note beats long.
"""

from dataclasses import dataclass

import numpy as np

STEPS_PER_BEAT = 4          # 16th notes per quarter-note beat
MAX_STEPS_PER_BAR = 16      # the longest bar (4/4): position tables are this wide


@dataclass(frozen=True)
class Meter:
    name: str
    beats_per_bar: int                 # quarter-note beats in a bar
    pulses: tuple[float, ...]          # where the felt beats fall, in beats from the bar start

    @property
    def steps_per_bar(self) -> int:
        return self.beats_per_bar * STEPS_PER_BEAT

    @property
    def pulse_steps(self) -> tuple[int, ...]:
        return tuple(round(p * STEPS_PER_BEAT) for p in self.pulses)


METER_TABLE: dict[str, Meter] = {
    "4/4": Meter("4/4", 4, (0.0, 1.0, 2.0, 3.0)),
    "3/4": Meter("3/4", 3, (0.0, 1.0, 2.0)),
    "6/8": Meter("6/8", 3, (0.0, 1.5)),
}
METERS: tuple[str, ...] = tuple(METER_TABLE)
METER_INDEX: dict[str, int] = {m: i for i, m in enumerate(METERS)}
STEPS_PER_BAR: dict[str, int] = {m.name: m.steps_per_bar for m in METER_TABLE.values()}


def beats_per_bar(meter: str) -> int:
    return METER_TABLE[meter].beats_per_bar


def steps_per_bar(meter: str) -> int:
    return METER_TABLE[meter].steps_per_bar


def strong_steps(meter: str, n_steps: int) -> np.ndarray:
    """(T,) True on the pulses of every bar (the beats; in 6/8 the two dotted-quarter pulses)."""
    m = METER_TABLE[meter]
    return np.isin(np.arange(n_steps) % m.steps_per_bar, m.pulse_steps)
