"""The `variety` default of each genre learned from drummers, calibrated on the training split.

A drummer holds the skeleton of a groove (the accented kick and snare) from bar to bar, but not
exactly: GMD drummers' bars overlap their bar one or two before by a Jaccard similarity of about 0.65
(jazz less, afrobeat more), and only about a third of their bars repeat one of the two before exactly
(the ghost notes move). For each such genre this picks the `variety` whose generated parts, under the
conditions (tempo, metre) of the genre's training clips, come closest to those clips on both
(`training.roles.drums.structure`: skeleton similarity and loop repetition, the sum of the two
distances). The result goes into the checkpoint's config (`DrumModelConfig.variety`), where the
generator reads it as the genre's default.

    python -m training.roles.drums.calibrate --checkpoint models/checkpoints/drums/1.1.0
"""

import argparse
from pathlib import Path

import numpy as np

from beatengine.roles.drums.generator import DrumGenerator, DrumParams
from beatengine.roles.drums.grid import DrumGrid
from beatengine.roles.drums.loop import PROGRAMMED_GENRES
from training.roles.drums.structure import loop_repetition, skeleton_similarity
from training.sources.drum_midi import DrumExample

CANDIDATES = np.round(np.linspace(0.0, 1.0, 21), 2)
CLIPS_PER_GENRE = 40
MEASURES = ("skeleton_similarity", "loop_repetition")
BARS = 8


def drummer_clips(examples: list[DrumExample]) -> dict[str, list[DrumExample]]:
    """Per genre, the training split's real clips without fills (at most `CLIPS_PER_GENRE`, spread
    over the split)."""
    by_genre: dict[str, list[DrumExample]] = {}
    for e in examples:
        if e.split == "train" and e.source != "rules" and not e.grid.fill_bars.any() \
                and e.grid.n_bars >= BARS:
            by_genre.setdefault(e.genre, []).append(e)
    return {g: es[::max(1, len(es) // CLIPS_PER_GENRE)][:CLIPS_PER_GENRE]
            for g, es in by_genre.items()}


def _means(grids: list[DrumGrid]) -> np.ndarray:
    """(len(MEASURES),) nan-aware means over the clips."""
    return np.array([np.nanmean([f(g) for g in grids])
                     for f in (skeleton_similarity, loop_repetition)])


def generated(gen: DrumGenerator, clips: list[DrumExample], variety: float) -> np.ndarray:
    return _means([gen.generate(DrumParams(
        genre=c.genre, bpm=c.bpm, bars=BARS, time_signature=c.grid.meter, fills=0, seed=i,
        variety=float(variety)))[0].grid for i, c in enumerate(clips)])


def calibrate(gen: DrumGenerator, examples: list[DrumExample]) -> dict[str, dict]:
    """Per genre learned from drummers: the chosen variety, the drummers' measures and the
    generated ones at that variety (each as {measure: value})."""
    out = {}
    for genre, clips in sorted(drummer_clips(examples).items()):
        if genre not in gen.genre_index or genre in PROGRAMMED_GENRES:
            continue
        real = _means([c.grid.bars(0, BARS) for c in clips])
        made = np.array([generated(gen, clips, v) for v in CANDIDATES])        # (V, measures)
        best = int(np.argmin(np.abs(made - real).sum(axis=1)))
        out[genre] = {"variety": float(CANDIDATES[best]),
                      "real": dict(zip(MEASURES, real.round(3).tolist(), strict=True)),
                      "generated": dict(zip(MEASURES, made[best].round(3).tolist(), strict=True))}
    return out


def main() -> None:
    from training.config import load_config
    from training.roles.drums.data import collect_examples
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--config", type=Path, default=Path("training/configs/local.json"))
    args = ap.parse_args()
    gen = DrumGenerator.load(args.checkpoint)
    gen.cfg.variety = {}
    examples = collect_examples(load_config(args.config).role("drums").data)
    print("| genre | variety | " + " | ".join(f"{m}: drummers, generated" for m in MEASURES)
          + " |\n|---|---|" + "---|" * len(MEASURES))
    for genre, row in calibrate(gen, examples).items():
        print(f"| {genre} | {row['variety']:.2f} | " + " | ".join(
            f"{row['real'][m]:.3f}, {row['generated'][m]:.3f}" for m in MEASURES) + " |")


if __name__ == "__main__":
    main()
