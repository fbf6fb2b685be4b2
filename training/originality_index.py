"""Shim kept for one release: `python -m training.originality_index --role R --from-version V`
publishes checkpoint V's files with a freshly built originality index as the next patch version; it
is `python -m training reindex` (`training.cli`, `training.pipeline.reindex`)."""

import argparse
import sys

from training.cli import add_reindex_args, guarded, run_reindex


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Republish a checkpoint with a fresh originality index.")
    add_reindex_args(ap, role_default="drums")
    args = ap.parse_args(argv)
    return guarded(lambda: run_reindex(args))


if __name__ == "__main__":
    sys.exit(main())
