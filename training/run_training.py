"""Shim kept for one release: `python -m training.run_training --config training/configs/local.json
[--roles ...] [--model-dir ...]` is `python -m training train` (`training.cli`)."""

import argparse
import sys

from training.cli import add_train_args, guarded, run_train


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Train the engine's models.")
    add_train_args(ap)
    args = ap.parse_args(argv)
    return guarded(lambda: run_train(args))


if __name__ == "__main__":
    sys.exit(main())
