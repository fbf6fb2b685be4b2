"""Loop structure of generated drum parts at default settings, per genre (issue 13).

    python bench/drum_structure.py [--checkpoint models/checkpoints/drums/1.0.1] [--seeds 30]
        [--bars 8] [--genres trap drill ...]

For each genre and seed: an 8-bar part at the defaults of `DrumParams` (fills every 8 bars), then
the measures of `training.roles.drums.structure` (loop repetition: share of the non-fill bars 3..
whose kick+snare pattern equals the bar one or two before). Prints a Markdown table of the means.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from beatengine.genres import GENRE_BY_NAME  # noqa: E402
from beatengine.roles.drums.generator import DrumGenerator, DrumParams  # noqa: E402
from training.roles.drums import structure  # noqa: E402

PROGRAMMED = ("trap", "drill", "boom_bap", "lofi", "house", "techno", "drum_and_bass")
SHOWN = ("loop_repetition", "skeleton_similarity", "backbeat_share", "four_on_the_floor_share",
         "kick_per_bar")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, default=ROOT / "models/checkpoints/drums/1.0.1")
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--bars", type=int, default=8)
    ap.add_argument("--genres", nargs="*", default=list(PROGRAMMED))
    args = ap.parse_args()
    gen = DrumGenerator.load(args.checkpoint)
    print(f"{args.bars} bars, DrumParams defaults, {args.seeds} seeds, checkpoint {args.checkpoint}\n")
    print("| genre | bpm | " + " | ".join(SHOWN) + " |")
    print("|---|---|" + "---|" * len(SHOWN))
    for genre in args.genres:
        bpm = float(GENRE_BY_NAME[genre].default_bpm)
        rows = [structure.measures(gen.generate(DrumParams(genre=genre, bpm=bpm, bars=args.bars,
                                                           seed=seed))[0].grid, bpm)
                for seed in range(args.seeds)]
        print(f"| {genre} | {bpm:g} | " + " | ".join(
            f"{np.nanmean([r[k] for r in rows]):.3f}" for k in SHOWN) + " |")


if __name__ == "__main__":
    main()
