"""The `variety` default of each genre learned from drummers, calibrated on the training split.

A drummer holds the skeleton of a groove (the accented kick and snare) from bar to bar, but not
exactly: GMD drummers' bars overlap their bar one or two before by a Jaccard similarity of about 0.65
(jazz less, afrobeat more). For each such genre this picks the `variety` whose generated parts, under
the conditions (tempo, metre) of the genre's training clips, have the skeleton similarity of those
clips (`training.roles.drums.structure.skeleton_similarity`). The result goes into the checkpoint's
config (`DrumModelConfig.variety`), where the generator reads it as the genre's default.

    python -m training.roles.drums.calibrate --checkpoint models/checkpoints/drums/1.1.0
"""

import argparse
from pathlib import Path

import numpy as np

from beatengine.roles.drums.generator import DrumGenerator, DrumParams
from beatengine.roles.drums.loop import PROGRAMMED_GENRES
from training.roles.drums.structure import skeleton_similarity
from training.sources.drum_midi import DrumExample

CANDIDATES = np.round(np.linspace(0.0, 1.0, 21), 2)
CLIPS_PER_GENRE = 24
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


def generated_similarity(gen: DrumGenerator, clips: list[DrumExample], variety: float) -> float:
    sims = [skeleton_similarity(gen.generate(DrumParams(
        genre=c.genre, bpm=c.bpm, bars=BARS, time_signature=c.grid.meter, fills=0, seed=i,
        variety=float(variety)))[0].grid) for i, c in enumerate(clips)]
    return float(np.nanmean(sims))


def calibrate(gen: DrumGenerator, examples: list[DrumExample]) -> dict[str, dict[str, float]]:
    """Per genre learned from drummers: the chosen variety, the drummers' skeleton similarity and
    the generated one at that variety."""
    out = {}
    for genre, clips in sorted(drummer_clips(examples).items()):
        if genre not in gen.genre_index or genre in PROGRAMMED_GENRES:
            continue
        real = float(np.nanmean([skeleton_similarity(c.grid.bars(0, BARS)) for c in clips]))
        made = [generated_similarity(gen, clips, v) for v in CANDIDATES]
        best = int(np.argmin(np.abs(np.array(made) - real)))
        out[genre] = {"variety": float(CANDIDATES[best]), "real": round(real, 3),
                      "generated": round(made[best], 3)}
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
    print("| genre | variety | drummers' skeleton similarity | generated |\n|---|---|---|---|")
    for genre, row in calibrate(gen, examples).items():
        print(f"| {genre} | {row['variety']:.2f} | {row['real']:.3f} | {row['generated']:.3f} |")


if __name__ == "__main__":
    main()
