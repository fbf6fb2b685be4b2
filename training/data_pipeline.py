"""Shim kept for one release: `python -m training.data_pipeline --config ...` prints what the drum
material holds; it is `python -m training data --role drums` (`training.cli`). The drum data itself
is in `training.roles.drums.data` and `training.sources`."""

import argparse
import sys

from training.cli import add_data_args, guarded, run_data


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Print what the drum training material holds.")
    add_data_args(ap, role_default="drums")
    args = ap.parse_args(argv)
    return guarded(lambda: run_data(args))


if __name__ == "__main__":
    sys.exit(main())
