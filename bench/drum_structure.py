"""Loop structure of generated drum parts at default settings, per genre (issue 13).

    python bench/drum_structure.py [--checkpoint DIR] [--seeds 30] [--bars 8] [--variety V]
        [--genres trap drill ...]

For each genre and seed: an 8-bar part at the defaults of `DrumParams` (fills every 8 bars, the
genre's calibrated variety unless --variety), then the measures of `training.roles.drums.structure`
(loop repetition: share of the non-fill bars 3.. whose kick+snare pattern equals the bar one or two
before). Prints a Markdown table of the means, then four on the floor of house and techno at 100 to
160 bpm (fills every 4 bars, variety 1: the hardest case).
"""

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from beatengine.checkpoints import Registry  # noqa: E402
from beatengine.genres import GENRE_BY_NAME  # noqa: E402
from beatengine.roles.drums.generator import DrumGenerator, DrumParams  # noqa: E402
from beatengine.roles.drums.loop import PROGRAMMED_GENRES  # noqa: E402
from training.roles.drums import structure  # noqa: E402

SHOWN = ("loop_repetition", "skeleton_similarity", "backbeat_share", "four_on_the_floor_share",
         "kick_per_bar")


def served_checkpoint() -> Path:
    return Registry(ROOT / "models").latest_promoted("drums").path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, default=None)
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--bars", type=int, default=8)
    ap.add_argument("--variety", type=float, default=None)
    ap.add_argument("--genres", nargs="*", default=list(PROGRAMMED_GENRES))
    args = ap.parse_args()
    path = args.checkpoint or served_checkpoint()
    gen = DrumGenerator.load(path)
    print(f"{args.bars} bars, DrumParams defaults, variety {args.variety or 'default'}, "
          f"{args.seeds} seeds, checkpoint {path}\n")
    print("| genre | bpm | variety | " + " | ".join(SHOWN) + " |")
    print("|---|---|---|" + "---|" * len(SHOWN))
    for genre in args.genres:
        bpm = float(GENRE_BY_NAME[genre].default_bpm)
        params = [DrumParams(genre=genre, bpm=bpm, bars=args.bars, seed=seed, variety=args.variety)
                  for seed in range(args.seeds)]
        rows = [structure.measures(gen.generate(p)[0].grid, bpm) for p in params]
        print(f"| {genre} | {bpm:g} | {gen.variety_of(params[0]):.2f} | " + " | ".join(
            f"{np.nanmean([r[k] for r in rows]):.3f}" for k in SHOWN) + " |")
    print("\nFour on the floor, non-fill bars (fills every 4 bars, variety 1):\n")
    print("| genre | " + " | ".join(f"{b} bpm" for b in range(100, 161, 10)) + " |")
    print("|---|" + "---|" * 7)
    for genre in ("house", "techno"):
        shares = [np.mean([structure.four_on_the_floor_share(gen.generate(DrumParams(
            genre=genre, bpm=float(bpm), bars=8, fills=4, variety=1.0, seed=s))[0].grid)
            for s in range(args.seeds)]) for bpm in range(100, 161, 10)]
        print(f"| {genre} | " + " | ".join(f"{x:.3f}" for x in shares) + " |")


if __name__ == "__main__":
    main()
