"""How each genre's melodies move: where notes start in the bar, whether the line is a short loop
or a song phrase, how long the notes ring, which notes it leans on (its swing is the genre's, in
`beatengine.genres.PITCHED_SWING`).

The melody model learns from POP909 only (pop), so each other genre's rhythm comes from these
documented habits, added to the model's logits as log weights (the pitches stay the model's):

- trap, drill: a 1- or 2-bar melodic loop (the bell, pluck or piano loop a beat is built on),
  repeated through the part and varied at the end of a phrase; trap on 8ths with 16th pickups,
  drill syncopated on the "a" of beats with gaps (Hooktheory TheoryTabs and producer tutorials on
  the trap "melody loop"; DeSantis, *Making Music*, 2015, on loops).
- house: a one-bar hook of short off-beat stabs (the organ and piano riffs of Chicago and New York
  house, Butler, *Unlocking the Groove*, 2006); techno: a one-bar 16th riff in a narrow range.
- jazz: swung 8th-note lines with breaths between phrases; lo-fi: a sparse 2-bar loop of long
  notes; boom bap: a 2-bar sample-like loop.
- pitch: trap, drill, rock, funk, reggae, afrobeat and boom bap lean to the pentatonic (the blues
  and riff vocabulary of those styles); jazz, lo-fi and R&B to the chord's 7ths and 9ths.
- rock: notes on beats and 8ths, held; reggae: off-beat phrases; latin: the 3-2 son clave's
  placements; funk: 16th syncopations, short; afrobeat: a one-bar riff repeated; drum and bass:
  long notes over the fast beat; R&B: pop's rhythm with more 16ths (melisma).
"""

from dataclasses import dataclass

import numpy as np

from beatengine.roles.lines import masks, rhythm
from beatengine.roles.lines.vocab import HOLD, REST
from beatengine.theory import MODES, Key

FLOOR = 0.05                 # the least weight a step keeps (log 0.05 = -3)
STRENGTH = 2.0               # the model's own habit is strong: weights count double


@dataclass(frozen=True)
class MelodyStyle:
    onsets: tuple[float, ...] | None = None   # weight of a note starting at each 16th of a 4/4 bar
    loop_bars: int | None = None              # a melodic loop of this many bars; None: song form
    hold: float = 0.0                         # lean of HOLD over REST: longer (+) or shorter notes
    odd_lean: float = 0.0                     # lean towards odd 16ths (no profile of its own)
    pentatonic: float = 0.0                   # lean to the mode's pentatonic, off its other notes
    extensions: float = 0.0                   # lean to the chord's 7ths and 9ths (jazz lines)


def _bar(*beat: tuple[float, float, float, float]) -> tuple[float, ...]:
    return tuple(w for b in beat for w in b)


STYLES: dict[str, MelodyStyle] = {
    "pop": MelodyStyle(),                     # the checkpoint's calibration to POP909
    "rnb": MelodyStyle(odd_lean=0.8, hold=0.3, extensions=0.4),
    "trap": MelodyStyle(_bar((1, 0, .3, .4), (.1, 0, .8, 0), (.5, 0, .1, .5), (.1, 0, .6, .3)),
                        loop_bars=2, hold=-0.6, pentatonic=0.8),
    "drill": MelodyStyle(_bar((1, 0, 0, .8), (0, 0, .8, 0), (0, .6, 0, .6), (.3, 0, .8, 0)),
                         loop_bars=2, hold=-0.3, pentatonic=0.6),
    "house": MelodyStyle(_bar((.1, 0, 1, 0), (.05, 0, 1, .2), (.1, 0, 1, 0), (.05, 0, 1, .2)),
                         loop_bars=1, hold=-1.0),
    "techno": MelodyStyle(_bar((1, .5, .8, .5), (1, .5, .8, .5), (1, .5, .8, .5), (1, .5, .8, .5)),
                          loop_bars=1, hold=-1.0),
    "jazz": MelodyStyle(_bar((1, 0, .7, 0), (.4, 0, .8, 0), (.8, 0, .5, 0), (.3, 0, .7, .1)),
                        hold=-0.3, extensions=0.8),
    "lofi": MelodyStyle(_bar((1, 0, .3, 0), (.5, 0, .6, 0), (.3, 0, .4, 0), (.6, 0, .2, 0)),
                        loop_bars=2, hold=0.8, extensions=0.6),
    "boom_bap": MelodyStyle(_bar((1, 0, .2, .4), (0, 0, .6, 0), (.5, 0, .2, .4), (0, 0, .6, 0)),
                            loop_bars=2, pentatonic=0.5),
    "rock": MelodyStyle(_bar((1, 0, .6, .1), (.9, 0, .6, .1), (1, 0, .6, .1), (.9, 0, .5, .1)),
                        hold=0.6, pentatonic=0.8),
    "reggae": MelodyStyle(_bar((.2, 0, 1, 0), (.2, 0, 1, .2), (.2, 0, 1, 0), (.2, 0, 1, .2)),
                          loop_bars=2, pentatonic=0.5),
    "latin": MelodyStyle(_bar((1, 0, 0, .9), (0, 0, .9, 0), (0, 0, .8, 0), (.9, 0, .2, 0))),
    "funk": MelodyStyle(_bar((1, .3, .5, .7), (.2, .6, .5, .3), (.8, .3, .5, .7), (.2, .6, .4, .5)),
                        hold=-0.8, pentatonic=0.6),
    "afrobeat": MelodyStyle(_bar((1, 0, .6, .6), (0, .6, .6, 0), (.8, 0, .6, .6), (0, .6, .6, 0)),
                            loop_bars=1, hold=-0.5, pentatonic=0.8),
    "drum_and_bass": MelodyStyle(_bar((1, 0, 0, 0), (0, 0, .5, 0), (.6, 0, 0, 0), (0, 0, .4, 0)),
                                 loop_bars=4, hold=1.0),
}
DEFAULT_STYLE = MelodyStyle()


def style_of(genre: str) -> MelodyStyle:
    return STYLES.get(genre, DEFAULT_STYLE)


def rhythm_bias(style: MelodyStyle, meter: str, n_steps: int, vocab_size: int,
                calibrated: dict | None = None) -> np.ndarray:
    """(T, V) the genre's rhythm: log onset weights centred on the bar (so the line is about as
    busy as the model makes it), or for a genre with no profile of its own the checkpoint's
    calibration to real melodies (`calibrated`, 4/4) and the odd-16th lean; and the hold lean."""
    bias = np.zeros((n_steps, vocab_size), np.float32)
    steps = np.arange(n_steps)
    if style.onsets is not None and meter == "4/4":
        logw = np.log(np.maximum(np.array(style.onsets, np.float32), FLOOR))
        bias[:, 2:] += STRENGTH * (logw - logw.mean())[steps % 16, None]
    else:
        if calibrated and meter == "4/4":
            bias += rhythm.bias_rows(np.array(calibrated["steps"]), n_steps, vocab_size)
        bias[steps % 2 == 1, 2:] += style.odd_lean
    bias[:, HOLD] += style.hold
    bias[:, REST] -= style.hold
    return bias


def pitch_bias(style: MelodyStyle, key: Key, pitches: np.ndarray, steps: list) -> np.ndarray:
    """(T, V) the genre's note choice: a lean to the mode's pentatonic (its 2nd and 6th, or 4th
    and 7th, avoided), and to the 7ths and 9ths of the chord sounding."""
    bias = np.zeros(pitches.shape, np.float32)
    if style.pentatonic:
        minor = MODES[key.mode][2] == 3
        penta = frozenset((key.tonic + d) % 12 for d in ((0, 3, 5, 7, 10) if minor else (0, 2, 4, 7, 9)))
        inside = masks.pcs_in([penta] * len(steps), pitches)
        bias += np.where(inside, style.pentatonic / 2, -style.pentatonic / 2) * (pitches >= 0)
    if style.extensions:
        colour = [frozenset() if c is None else c.pitch_classes - {
            c.root, (c.root + 3) % 12, (c.root + 4) % 12, (c.root + 7) % 12} for c in steps]
        bias += style.extensions * masks.pcs_in(colour, pitches)
    return bias
