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


def read_material(source: str, role: str) -> list[Material]:
    """Opted-in material for `role` from the event log at `source`: a SQLite file (the service's
    `DATA_DIR/events.sqlite3`) or a Postgres URL (the remote log). A missing file holds none."""
    if is_postgres_url(source):
        import psycopg

        with psycopg.connect(source) as conn:
            rows = conn.execute(f"SELECT {COLUMNS} FROM training_material WHERE role = %s "
                                "ORDER BY created_at, event_id", (role,)).fetchall()
    else:
        path = Path(source)
        if not path.is_file():
            return []
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            rows = db.execute(f"SELECT {COLUMNS} FROM training_material WHERE role = ? "
                              "ORDER BY created_at, event_id", (role,)).fetchall()
    return [Material(str(e), u, r, g, base64.b64decode(m)) for e, u, r, g, m in rows]
