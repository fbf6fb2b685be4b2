"""User material for training, read only through the `training_material` view, which keeps what
users opted in to and drops a user's material once their latest consent says no."""

import base64
import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Material:
    event_id: str
    user_id: str
    role: str | None
    genre: str | None
    midi: bytes


COLUMNS = "event_id, user_id, role, genre, midi_base64"


def is_postgres_url(source: str) -> bool:
    return source.startswith(("postgres://", "postgresql://"))


def _select(source: str, columns: str, role: str) -> list[tuple]:
    """`columns` of the role's rows of the view at `source`: a SQLite file (the service's
    `DATA_DIR/events.sqlite3`) or a Postgres URL (the remote log). A missing file holds none."""
    if is_postgres_url(source):
        import psycopg

        with psycopg.connect(source) as conn:
            return conn.execute(f"SELECT {columns} FROM training_material WHERE role = %s "
                                "ORDER BY created_at, event_id", (role,)).fetchall()
    path = Path(source)
    if not path.is_file():
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute(f"SELECT {columns} FROM training_material WHERE role = ? "
                          "ORDER BY created_at, event_id", (role,)).fetchall()


def read_material(source: str, role: str) -> list[Material]:
    """Opted-in material for `role` from the event log at `source` (see `_select`)."""
    return [Material(str(e), u, r, g, base64.b64decode(m))
            for e, u, r, g, m in _select(source, COLUMNS, role)]


def material_ids(source: str, role: str) -> list[str]:
    """Only the ids of that material: what a cache key needs, without reading the files."""
    return [str(e) for (e,) in _select(source, "event_id", role)]
