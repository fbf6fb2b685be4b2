"""Shim kept for one release: `python -m training.evaluate --role drums [--checkpoint DIR --record
--reference DIR --genre G --out DIR]` is `python -m training evaluate` (`training.cli`); the
evaluation itself is `training.evaluation`."""

import argparse
import sys

from training.cli import add_evaluate_args, guarded, run_evaluate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Evaluate a checkpoint against baselines and its controls.")
    add_evaluate_args(ap, role_default="drums")
    argv = sys.argv[1:] if argv is None else argv
    args = ap.parse_args(argv)
    return guarded(lambda: run_evaluate(args, "python -m training.evaluate " + " ".join(argv)))


if __name__ == "__main__":
    sys.exit(main())
