"""How each genre's melodies move: where notes start in the bar, whether the line is a short loop
or a song phrase, how long the notes ring, how far it swings.

The melody model learns from POP909 only (pop), so each other genre's rhythm comes from these
documented habits, added to the model's logits as log weights (the pitches stay the model's):

- trap, drill: a 1- or 2-bar melodic loop (the bell, pluck or piano loop a beat is built on),
  repeated through the part and varied at the end of a phrase; trap on 8ths with 16th pickups,
  drill syncopated on the "a" of beats with gaps (Hooktheory TheoryTabs and producer tutorials on
  the trap "melody loop"; DeSantis, *Making Music*, 2015, on loops).
- house: a one-bar hook of short off-beat stabs (the organ and piano riffs of Chicago and New York
  house, Butler, *Unlocking the Groove*, 2006); techno: a one-bar 16th riff in a narrow range.
- jazz: 8th-note lines swung near a triplet (the "swing ratio" of about 2:1, Friberg and
  Sundstrom, *Music Perception* 19, 2002); lo-fi: a sparse 2-bar loop of long notes with a lazy
  swing; boom bap: a 2-bar sample-like loop.
- rock: notes on beats and 8ths, held; reggae: off-beat phrases; latin: the 3-2 son clave's
  placements; funk: 16th syncopations, short; afrobeat: a one-bar riff repeated; drum and bass:
  long notes over the fast beat; R&B: pop's rhythm with more 16ths (melisma).
"""

from dataclasses import dataclass

import numpy as np

from beatengine.roles.lines import rhythm
from beatengine.roles.lines.vocab import HOLD, REST

FLOOR = 0.05                 # the least weight a step keeps (log 0.05 = -3)
STRENGTH = 2.0               # the model's own habit is strong: weights count double


@dataclass(frozen=True)
class MelodyStyle:
    onsets: tuple[float, ...] | None = None   # weight of a note starting at each 16th of a 4/4 bar
    loop_bars: int | None = None              # a melodic loop of this many bars; None: song form
    swing: float = 0.0                        # off-beat 8ths late by this share of an 8th
    hold: float = 0.0                         # lean of HOLD over REST: longer (+) or shorter notes
    odd_lean: float = 0.0                     # lean towards odd 16ths (no profile of its own)


def _bar(*beat: tuple[float, float, float, float]) -> tuple[float, ...]:
    return tuple(w for b in beat for w in b)


STYLES: dict[str, MelodyStyle] = {
    "pop": MelodyStyle(),                     # the checkpoint's calibration to POP909
    "rnb": MelodyStyle(odd_lean=0.8, hold=0.3),
    "trap": MelodyStyle(_bar((1, 0, .5, .3), (.2, 0, .8, 0), (.6, 0, .5, .3), (.2, 0, .7, .3)),
                        loop_bars=2, hold=-0.6),
    "drill": MelodyStyle(_bar((1, 0, 0, .8), (0, 0, .8, 0), (0, .6, 0, .6), (.3, 0, .8, 0)),
                         loop_bars=2, hold=-0.3),
    "house": MelodyStyle(_bar((.3, 0, 1, 0), (.1, 0, 1, .3), (.3, 0, 1, 0), (.1, 0, 1, .3)),
                         loop_bars=1, hold=-1.0),
    "techno": MelodyStyle(_bar((1, .5, .8, .5), (1, .5, .8, .5), (1, .5, .8, .5), (1, .5, .8, .5)),
                          loop_bars=1, hold=-1.0),
    "jazz": MelodyStyle(_bar((1, 0, .9, 0), (.8, 0, .9, 0), (.9, 0, .9, 0), (.8, 0, .9, .1)),
                        swing=0.33, hold=-0.3),
    "lofi": MelodyStyle(_bar((1, 0, .3, 0), (.5, 0, .6, 0), (.3, 0, .4, 0), (.6, 0, .2, 0)),
                        loop_bars=2, swing=0.25, hold=0.8),
    "boom_bap": MelodyStyle(_bar((1, 0, .2, .4), (0, 0, .6, 0), (.5, 0, .2, .4), (0, 0, .6, 0)),
                            loop_bars=2, swing=0.15),
    "rock": MelodyStyle(_bar((1, 0, .6, .1), (.9, 0, .6, .1), (1, 0, .6, .1), (.9, 0, .5, .1)),
                        hold=0.6),
    "reggae": MelodyStyle(_bar((.2, 0, 1, 0), (.2, 0, 1, .2), (.2, 0, 1, 0), (.2, 0, 1, .2)),
                          loop_bars=2),
    "latin": MelodyStyle(_bar((1, 0, 0, .9), (0, 0, .9, 0), (0, 0, .8, 0), (.9, 0, .2, 0))),
    "funk": MelodyStyle(_bar((1, .3, .5, .7), (.2, .6, .5, .3), (.8, .3, .5, .7), (.2, .6, .4, .5)),
                        hold=-0.8),
    "afrobeat": MelodyStyle(_bar((1, 0, .6, .6), (0, .6, .6, 0), (.8, 0, .6, .6), (0, .6, .6, 0)),
                            loop_bars=1, hold=-0.5),
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
