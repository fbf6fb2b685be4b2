"""Apply `supabase/migrations/*.sql` to any Postgres: `python -m eventlog.migrate [DATABASE_URL]`.

Files run in name order, each in one transaction, and are recorded where the Supabase CLI records
them (`supabase_migrations.schema_migrations`, keyed by the file's timestamp prefix), so this tool
and `supabase db push` agree on what a database already has.
"""

import argparse
import os
import sys
from pathlib import Path

import psycopg

MIGRATIONS = Path(__file__).resolve().parents[1] / "supabase" / "migrations"

TRACKING = """
CREATE SCHEMA IF NOT EXISTS supabase_migrations;
CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (
    version text PRIMARY KEY, statements text[], name text);
"""


def migrate(url: str, directory: Path = MIGRATIONS) -> list[str]:
    """The versions applied now (those already recorded are skipped)."""
    applied = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(TRACKING)
        done = {v for (v,) in conn.execute("SELECT version FROM supabase_migrations.schema_migrations")}
        for path in sorted(directory.glob("*.sql")):
            version, _, name = path.stem.partition("_")
            if version in done:
                continue
            text = path.read_text()
            with conn.transaction():
                conn.execute(text)
                conn.execute("INSERT INTO supabase_migrations.schema_migrations (version, "
                             "statements, name) VALUES (%s, %s, %s)", (version, [text], name))
            applied.append(version)
    return applied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default=os.environ.get("DATABASE_URL"),
                        help="Postgres connection string (default: DATABASE_URL)")
    args = parser.parse_args(argv)
    if not args.url:
        print("error: give a connection string or set DATABASE_URL", file=sys.stderr)
        return 2
    applied = migrate(args.url)
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none new'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
