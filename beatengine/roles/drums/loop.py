"""Loop structure of a drum part: which steps repeat the loop and which the model plays afresh.

A producer's drum part is a loop of 1, 2 or 4 bars that repeats, varied the way drummers and beat
makers vary it: small changes in the hats and cymbals, a beat re-played now and then, more at the end
of a phrase (the turnaround), a fill where `fills` asks. The first `loop_bars` bars are drawn by the
model; every later step either copies the loop's token at the same place (COPY), lets the model
re-play the step keeping the loop's kick and snare (KEEP_SKELETON: hats, cymbals, toms may change),
or lets the model play it freely (FREE). The model always conditions on what was actually played,
so a re-played beat leads back into the loop.

`variety` (0-1) sets how much the repeats change (0 = the loop exactly, 1 = every bar played afresh,
as a model without structure plays; see `plan`). Its default per genre is calibrated: for the genres
the drum model learns from drummers (the Groove MIDI Dataset) training picks the variety that makes
the skeleton similarity of generated parts match the drummers' on the training split
(`training.roles.drums.calibrate`, saved in the checkpoint's config); the programmed genres follow
the convention of a programmed beat, a loop that changes in the hats, at phrase ends and in fills.
"""

from dataclasses import dataclass

import numpy as np

from beatengine.meter import STEPS_PER_BEAT
from beatengine.roles.drums.vocab import KICK, PHRASE_BARS, SNARE

FREE, COPY, KEEP_SKELETON = 0, 1, 2
SKELETON_PIECES = (KICK, SNARE)

# Loop length per genre (bars), when the part is long enough: four-on-the-floor genres loop one
# bar; the rest loop 2 bars (call and answer, the clave, trap's 2-bar kick figures).
LOOP_BARS: dict[str, int] = {"house": 1, "techno": 1}
DEFAULT_LOOP_BARS = 2

# Programmed beats: a loop that changes in the hats, at phrase ends and in fills. The genres
# learned from data take their default from the checkpoint's calibration (`DrumModelConfig.variety`);
# these are for a checkpoint without one.
PROGRAMMED_VARIETY = 0.1
LIVE_VARIETY = 0.35
PROGRAMMED_GENRES = ("trap", "drill", "boom_bap", "lofi", "house", "techno", "drum_and_bass")


def loop_bars(genre: str, bars: int) -> int:
    """The loop length for a part of `bars` bars: the genre's, or the longest that fits."""
    want = LOOP_BARS.get(genre, DEFAULT_LOOP_BARS)
    return max(1, min(want, bars // 2)) if bars > 1 else 1


def default_variety(genre: str, calibrated: dict[str, float]) -> float:
    """The genre's calibrated variety where the checkpoint has one, else the convention."""
    if genre in calibrated:
        return calibrated[genre]
    return PROGRAMMED_VARIETY if genre in PROGRAMMED_GENRES else LIVE_VARIETY


@dataclass
class LoopPlan:
    source: np.ndarray  # (T,) the loop step each step repeats; -1 where the model plays freely
    mode: np.ndarray    # (B, T) FREE / COPY / KEEP_SKELETON per variation and step


def plan(bars: int, steps_per_bar: int, fills: np.ndarray, loop: int, variety: float,
         batch: int, rng: np.random.Generator) -> LoopPlan:
    """Where each of `batch` variations repeats its loop of `loop` bars and where it varies.

    Loop bars and fill bars are played freely. In a repeated bar (v = `variety`):
    - each step is re-played keeping the loop's kick and snare with probability v / 2 (the hats,
      cymbals and toms vary: drummers hold their hats more steadily than their kick and snare);
      the bar's first step always is (a crash belongs to a phrase start, not
      to every copy of bar 1);
    - each beat is re-played freely with probability v squared: a drummer's occasional new figure;
    - the second half of a phrase's last bar is re-played freely with probability v: the
      turnaround that leads into the next phrase.
    At v = 1 every bar is played afresh, as by a model without structure."""
    spb = steps_per_bar
    T = bars * spb
    step = np.arange(T)
    bar = step // spb
    repeated = (bar >= loop) & ~fills[bar] & ~fills[bar % loop]
    source = np.where(repeated, (bar % loop) * spb + step % spb, -1)
    mode = np.where(repeated, COPY, FREE)[None].repeat(batch, axis=0)          # (B, T)
    mode[rng.random((batch, T)) < variety / 2] = KEEP_SKELETON
    mode[:, step % spb == 0] = KEEP_SKELETON
    turnaround = (bar % PHRASE_BARS == PHRASE_BARS - 1) & (step % spb >= spb // 2)
    chance = np.where(turnaround, variety, variety ** 2)[::STEPS_PER_BEAT]
    free_beat = rng.random((batch, len(chance))) < chance                      # (B, beats)
    mode[free_beat[:, step // STEPS_PER_BEAT]] = FREE
    mode[:, ~repeated] = FREE
    return LoopPlan(source, mode)


def repeat_details(p: LoopPlan, vel_bins: np.ndarray, off_bins: np.ndarray,
                   roll_idx: np.ndarray) -> None:
    """Repeated steps play as the loop played them: a copied step keeps every piece's velocity
    and timing bin (and the roll), a re-played one its kick's and snare's, so the accents that
    make the groove's skeleton hold (the exact velocity and timing inside a bin still vary)."""
    every = np.arange(vel_bins.shape[2])
    for b in range(p.mode.shape[0]):
        for mode, pieces in ((COPY, every), (KEEP_SKELETON, list(SKELETON_PIECES))):
            t = np.nonzero((p.mode[b] == mode) & (p.source >= 0))[0]
            to, of = np.ix_(t, pieces), np.ix_(p.source[t], pieces)
            vel_bins[b][to] = vel_bins[b][of]
            off_bins[b][to] = off_bins[b][of]
            if mode == COPY:
                roll_idx[b, t] = roll_idx[b, p.source[t]]
