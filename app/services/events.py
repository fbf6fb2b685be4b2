"""The event log behind a small interface, with the embedded SQLite backend.

Every generation is recorded: id, user, role, resolved params, seed, model name and version, consent
snapshot, latency and time. The per-user daily count behind `LEGAL_GENERATION_LIMIT` is read from
here, so a restart does not reset it. A generation is first *reserved* (atomically checked against the
limit and inserted as pending), then completed, or released if it fails, so concurrent requests of one
user can never overshoot the limit.
"""

import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol


@dataclass
class GenerationRecord:
    id: str
    user_id: str
    role: str
    params: dict
    seed: int
    model_name: str
    model_version: str
    consent: dict
    latency_ms: float


class EventStore(Protocol):
    def reserve_generation(self, user_id: str, role: str, limit: int, now: datetime
                           ) -> str | None: ...
    def complete_generation(self, record: GenerationRecord) -> None: ...
    def release_generation(self, generation_id: str) -> None: ...
    def get_generation(self, generation_id: str) -> dict | None: ...
    def describe(self) -> dict: ...
    def close(self) -> None: ...


SCHEMA = """
CREATE TABLE IF NOT EXISTS generations (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done')),
    day TEXT NOT NULL,
    created_at TEXT NOT NULL,
    params TEXT,
    seed INTEGER,
    model_name TEXT,
    model_version TEXT,
    consent TEXT,
    latency_ms REAL
);
CREATE INDEX IF NOT EXISTS generations_user_day ON generations (user_id, day);
"""


def utc_day(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%d")


class SQLiteEventStore:
    """SQLite in WAL mode; one connection guarded by a lock (calls come from worker threads)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def reserve_generation(self, user_id: str, role: str, limit: int, now: datetime) -> str | None:
        gid = str(uuid.uuid4())
        day = utc_day(now)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                (count,) = self._db.execute(
                    "SELECT COUNT(*) FROM generations WHERE user_id = ? AND day = ?",
                    (user_id, day)).fetchone()
                if count >= limit:
                    self._db.execute("ROLLBACK")
                    return None
                self._db.execute(
                    "INSERT INTO generations (id, user_id, role, status, day, created_at) "
                    "VALUES (?, ?, ?, 'pending', ?, ?)",
                    (gid, user_id, role, day, now.astimezone(UTC).isoformat()))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return gid

    def complete_generation(self, r: GenerationRecord) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE generations SET status = 'done', params = ?, seed = ?, model_name = ?, "
                "model_version = ?, consent = ?, latency_ms = ? WHERE id = ?",
                (json.dumps(r.params), r.seed, r.model_name, r.model_version,
                 json.dumps(r.consent), r.latency_ms, r.id))

    def release_generation(self, generation_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM generations WHERE id = ? AND status = 'pending'",
                             (generation_id,))

    def get_generation(self, generation_id: str) -> dict | None:
        with self._lock:
            cur = self._db.execute("SELECT * FROM generations WHERE id = ?", (generation_id,))
            row = cur.fetchone()
            cols = [c[0] for c in cur.description]
        if row is None:
            return None
        out = dict(zip(cols, row, strict=True))
        for key in ("params", "consent"):
            out[key] = json.loads(out[key]) if out[key] else None
        return out

    def describe(self) -> dict:
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM generations").fetchone()
        return {"backend": "sqlite", "path": str(self.path), "generations": count, "backlog": 0}

    def close(self) -> None:
        with self._lock:
            self._db.close()
