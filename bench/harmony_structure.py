"""Structure and genre of generated progressions, basslines and melodies at the service defaults
(issue 14): the measures the evaluation gates on (`training.roles.chords.structure`,
`training.roles.lines.structure`), printed as Markdown tables.

    python bench/harmony_structure.py [--seeds 20] [--roles chords bassline melody]

- chords: per genre, the share of 8-bar progressions in A minor whose bars 5-8 repeat bars 1-4
  bar for bar, in-key share and chord changes; in-key share over a grid of genres, modes,
  complexities and seeds (mean and the worst request); how often trap and lo-fi give the same
  progression for the same key and seed;
- bassline and melody: idiom measures per genre over Am F C G, and how well a classifier tells the
  genres apart (pairwise AUC, mean and the hardest pairs).
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from beatengine.checkpoints import Registry  # noqa: E402
from beatengine.roles import ROLES  # noqa: E402
from training.roles.chords.structure import evaluate_structure  # noqa: E402
from training.roles.lines import structure as LS  # noqa: E402


def table(rows: dict[str, dict[str, float]], fmt: str = ".2f") -> None:
    cols = list(next(iter(rows.values())))
    print("| genre | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for genre, row in rows.items():
        print(f"| {genre} | " + " | ".join(format(row[c], fmt) for c in cols) + " |")


def chords(gen, seeds: int) -> None:
    print("## Chords (8 bars, A minor, defaults)\n")
    st = evaluate_structure(gen, seeds)
    table(st["by_genre"])
    grid = st["in_key_grid"]
    print(f"\nin key over {grid['requests']} requests (every genre x 5 modes x 3 complexities x "
          f"2 seeds): mean {grid['mean']:.3f}, worst {grid['worst']:.3f}")
    print(f"trap and lo-fi identical: {st['trap_lofi_same']:.0%}\n")


def lines(gen, role: str, seeds: int) -> None:
    print(f"## {role} (8 bars over {' '.join(LS.FOLLOW)}, defaults)\n")
    rows, vectors = LS.by_genre(gen, role, seeds)
    table(rows)
    d = LS.genre_distinctness(vectors)
    print(f"\ngenres told apart (pairwise AUC, the better of linear and boosted trees): mean "
          f"{d['mean']:.3f}; hardest pairs: "
          + ", ".join(f"{a}/{b} {v:.2f}" for a, b, v in d["hardest"]) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--roles", nargs="*", default=["chords", "bassline", "melody"])
    args = ap.parse_args()
    registry = Registry(ROOT / "models")
    for role in args.roles:
        ckpt = registry.latest_promoted(role)
        print(f"checkpoint {role} {ckpt.version}; {args.seeds} seeds\n")
        gen = ROLES[role].generator.load(ckpt.path)
        if role == "chords":
            chords(gen, args.seeds)
        else:
            lines(gen, role, args.seeds)


if __name__ == "__main__":
    main()
