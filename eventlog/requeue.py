"""Put dead-lettered events back in the delivery queue once their cause is fixed (a missing
migration, a revoked key): `python -m eventlog.requeue [DATA_DIR]`. Safe while the service runs."""

import argparse
import os
import sys
from pathlib import Path

from eventlog.store import EventStore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", default=os.environ.get("DATA_DIR", "data"),
                        help="the service's DATA_DIR (default: DATA_DIR or ./data)")
    args = parser.parse_args(argv)
    path = Path(args.data_dir) / "events.sqlite3"
    if not path.is_file():
        print(f"error: no event store at {path}", file=sys.stderr)
        return 1
    store = EventStore(path, outbox=True)
    try:
        print(f"requeued {store.requeue_dead()} dead-lettered event(s); backlog now "
              f"{store.outbox_counts()['backlog']}")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
