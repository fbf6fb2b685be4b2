"""Shim kept for one release: `python -m training.harmony_data [--config ...] [--max-songs N]`
prints what the public harmony datasets hold (the config's "harmony" data, else the chord role's,
else the default paths). `python -m training data --role R` summarises a role's whole material."""

import argparse
import json
import logging
import sys

from training.cli import guarded
from training.config import load_config
from training.sources.harmony import load_harmony, summarize


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Print what the harmony datasets hold.")
    ap.add_argument("--config", default=None, help="training config JSON (default: dataset paths)")
    ap.add_argument("--max-songs", type=int, default=None, help="cap per source")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    return guarded(lambda: _summary(args))


def _summary(args: argparse.Namespace) -> int:
    data = load_config(args.config).harmony_data()
    if args.max_songs is not None:
        data = data.model_copy(update={"max_songs": args.max_songs})
    print(json.dumps(summarize(load_harmony(data)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
