"""The local event store (SQLite, WAL) and its outbox.

Every event is committed here first, with a client-made `event_id`. When a remote log is configured
the same transaction puts the row in the `outbox`, and `eventlog.outbox.OutboxWorker` delivers it;
without one (the embedded default) nothing is queued. The per-user daily count behind
`LEGAL_GENERATION_LIMIT` is read from here, so a restart does not reset it: a generation is first
*reserved* (checked against the limit and inserted as pending in one transaction), then completed,
or released if it fails, so concurrent requests of one user never overshoot the limit. A reservation
its process never settled (it was killed mid-generation) stops counting once it is older than
`pending_timeout_s`, longer than any generation may take, and is deleted then.

Several processes may share one store (`uvicorn --workers N`): every write is a `BEGIN IMMEDIATE`
transaction, which SQLite serialises across processes (waiting up to `BUSY_TIMEOUT_S` for the
lock), and the outbox is delivered by one process at a time, the holder of `outbox_lease`.
"""

import json
import random
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from eventlog.schema import BOOL_COLUMNS, JSON_COLUMNS, MATERIAL_TABLES, SQLITE_SCHEMA, TABLES

# How long a write waits for another process's transaction before giving up ("database is locked").
BUSY_TIMEOUT_S = 30.0


class NotOptedIn(Exception):
    """Training material for a user whose latest consent is not an opt-in (it was withdrawn while
    the request ran, say): nothing of the request is stored."""


def new_id() -> str:
    return str(uuid.uuid4())


def iso(now: datetime | None = None) -> str:
    """UTC, microseconds, one fixed format: the text sorts in time order (SQLite compares text)."""
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")


def utc_day(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%d")


@dataclass
class GenerationRecord:
    id: str
    user_id: str
    role: str
    request: dict | None  # as sent, consent excluded; kept only with training_opt_in (it can hold
    params: dict          # the user's own notes), so that the generation can be made again
    seed: int
    model_name: str
    model_version: str
    consent: dict
    latency_ms: float


@dataclass
class OutboxEvent:
    seq: int
    event_id: str
    op: str        # "upsert" | "withdraw"
    table: str
    payload: dict  # the row (upsert) or {"user_id", "before"} (withdraw)
    attempts: int


@dataclass
class DeliveryStats:
    """Deliveries of this store's outbox, by whichever process delivered (kept in the store, so
    every worker process reports the same figures, and a restart keeps them). `delivered` counts
    sends: an event sent twice counts twice."""
    delivered: int = 0
    failures: int = 0
    last_error: str | None = None  # what kind of failure, never its message (it is public)


def backoff_s(attempts: int, base_s: float, cap_s: float) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(attempts-1))]."""
    return random.uniform(0, min(cap_s, base_s * 2 ** max(0, attempts - 1)))


def storable(value: Any) -> Any:
    """Text every backend keeps as sent: Postgres refuses NUL in text and jsonb, and UTF-8 has no
    lone surrogates. Cleaned before the local commit, so the remote gets exactly the local row
    (a row it could never take would only end as a dead letter)."""
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value


def _to_sqlite(column: str, value: Any) -> Any:
    if column in JSON_COLUMNS and value is not None:
        return json.dumps(value)
    if column in BOOL_COLUMNS and value is not None:
        return int(bool(value))
    return value


def _from_sqlite(column: str, value: Any) -> Any:
    if column in JSON_COLUMNS and value is not None:
        return json.loads(value)
    if column in BOOL_COLUMNS and value is not None:
        return bool(value)
    return value


def sql_statements(script: str) -> Iterator[str]:
    """The statements of a script, one at a time (`executescript` would commit a transaction)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            yield statement
            statement = ""


class EventStore:
    """One connection guarded by a lock: calls come from worker threads (and other processes may
    hold connections of their own to the same file)."""

    def __init__(self, path: Path, outbox: bool = False, pending_timeout_s: float | None = None):
        """`pending_timeout_s`: settle reservations older than this (the service passes
        PENDING_TIMEOUT_S); None, for tools that only read or requeue, leaves them alone."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.outbox, self.pending_timeout_s = path, outbox, pending_timeout_s
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                   timeout=BUSY_TIMEOUT_S)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        # One process at a time: workers starting together would race on DROP/CREATE VIEW.
        with self._transaction() as db:
            self._upgrade(db)
            for statement in sql_statements(SQLITE_SCHEMA):
                db.execute(statement)
            self._settle_stale_reservations(db, datetime.now(UTC))

    @staticmethod
    def _upgrade(db: sqlite3.Connection) -> None:
        """Stores made before the outbox existed named the generation id `id`."""
        cols = [r[1] for r in db.execute("PRAGMA table_info(generations)")]
        if "id" in cols and "event_id" not in cols:
            db.execute("ALTER TABLE generations RENAME COLUMN id TO event_id")
            db.execute("ALTER TABLE generations ADD COLUMN request TEXT")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, args: Iterable = ()) -> list[dict]:
        with self._lock:
            cur = self._db.execute(sql, tuple(args))
            cols = [c[0] for c in cur.description]
            rows = cur.fetchall()
        return [{c: _from_sqlite(c, v) for c, v in zip(cols, r, strict=True)} for r in rows]

    def _insert(self, db: sqlite3.Connection, table: str, row: dict) -> None:
        """The row locally and, with a remote, in the outbox: call inside one transaction."""
        row = storable(row)
        cols = [c for c in TABLES[table] if c in row]
        db.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                   [_to_sqlite(c, row[c]) for c in cols])
        self._enqueue(db, "upsert", table, row)

    @staticmethod
    def _latest_consent(db: sqlite3.Connection, user_id: str) -> tuple | None:
        """(kind, terms_version, training_opt_in) of the user's latest consent event."""
        return db.execute("SELECT kind, terms_version, training_opt_in FROM consent_events "
                          "WHERE user_id = ? ORDER BY created_at DESC LIMIT 1",
                          (user_id,)).fetchone()

    @classmethod
    def _require_opt_in(cls, db: sqlite3.Connection, user_id: str, since: str | None) -> None:
        """Material is stored only while the user's latest consent event is an opt-in, and never
        by a request that was running when the user opted out or withdrew (even if they opted in
        again since: the training_material view leaves out everything from before a "no", so
        such material would be kept and never read): checked in the transaction that stores it."""
        last = cls._latest_consent(db, user_id)
        if last is None or last[0] != "consent" or not last[2]:
            raise NotOptedIn(f"user {user_id!r} has not opted in to training")
        if since is not None and db.execute(
                "SELECT 1 FROM consent_events WHERE user_id = ? AND training_opt_in = 0 AND "
                "created_at >= ?", (user_id, since)).fetchone():
            raise NotOptedIn(f"user {user_id!r} opted out or withdrew while the request ran")

    def _enqueue(self, db: sqlite3.Connection, op: str, table: str, payload: dict) -> None:
        if self.outbox:
            db.execute("INSERT INTO outbox (event_id, op, tbl, user_id, payload, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       (payload.get("event_id", new_id()), op, table, payload["user_id"],
                        json.dumps(payload), iso()))

    # --- generations and the daily limit -------------------------------------------------------

    def _settle_stale_reservations(self, db: sqlite3.Connection, now: datetime) -> int:
        """Delete pending reservations older than `pending_timeout_s`: their process died before
        completing or releasing them (a request cannot run that long), so they must not count
        against the daily limit for ever. Younger ones may belong to another live worker process
        still generating: they keep counting. One indexed delete (`generations_pending`)."""
        if self.pending_timeout_s is None:
            return 0
        cutoff = iso(now - timedelta(seconds=self.pending_timeout_s))
        return db.execute("DELETE FROM generations WHERE status = 'pending' AND created_at < ?",
                          (cutoff,)).rowcount

    def reserve_generation(self, user_id: str, role: str, limit: int, now: datetime,
                           terms_version: str | None = None, training_opt_in: bool = False
                           ) -> str | None:
        """A pending generation within the daily limit, or None; with `terms_version`, a change
        of the user's consent is recorded in the same transaction (one commit per request)."""
        gid = new_id()
        day = utc_day(now)
        with self._transaction() as db:
            if terms_version is not None:
                self._note_consent(db, user_id, terms_version, training_opt_in, now)
            self._settle_stale_reservations(db, now)
            (count,) = db.execute("SELECT COUNT(*) FROM generations WHERE user_id = ? AND day = ?",
                                  (user_id, day)).fetchone()
            if count >= limit:
                return None
            db.execute("INSERT INTO generations (event_id, user_id, role, status, day, created_at) "
                       "VALUES (?, ?, ?, 'pending', ?, ?)", (gid, user_id, role, day, iso(now)))
        return gid

    def complete_generation(self, r: GenerationRecord) -> None:
        with self._transaction() as db:
            found = db.execute("SELECT created_at FROM generations WHERE event_id = ?",
                               (r.id,)).fetchone()
            if found is None:  # settled as stale while it ran (it outlived pending_timeout_s)
                now = datetime.now(UTC)
                found = (iso(now),)
                db.execute("INSERT INTO generations (event_id, user_id, role, status, day, "
                           "created_at) VALUES (?, ?, ?, 'pending', ?, ?)",
                           (r.id, r.user_id, r.role, utc_day(now), found[0]))
            (created_at,) = found
            row = storable({
                "event_id": r.id, "user_id": r.user_id, "role": r.role, "request": r.request,
                "params": r.params, "seed": r.seed, "model_name": r.model_name,
                "model_version": r.model_version, "consent": r.consent,
                "latency_ms": r.latency_ms, "created_at": created_at})
            cols = [c for c in TABLES["generations"] if c not in ("event_id", "user_id", "role",
                                                                  "created_at")]
            db.execute(f"UPDATE generations SET status = 'done', "
                       f"{', '.join(c + ' = ?' for c in cols)} WHERE event_id = ?",
                       [_to_sqlite(c, row[c]) for c in cols] + [r.id])
            self._enqueue(db, "upsert", "generations", row)

    def release_generation(self, generation_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM generations WHERE event_id = ? AND status = 'pending'",
                       (generation_id,))

    def get_generation(self, generation_id: str) -> dict | None:
        rows = self._query("SELECT * FROM generations WHERE event_id = ?", (generation_id,))
        return rows[0] if rows else None

    # --- the other events ------------------------------------------------------------------------

    def add(self, *rows: tuple[str, dict], consented_at: str | None = None) -> None:
        """(table, row) pairs, committed together (a batch and its items, an upload and its
        material). Each row needs event_id, user_id and created_at. Training material needs the
        user's latest consent to be an opt-in and no withdrawal since `consented_at` (when the
        request that carries it checked consent): else NotOptedIn and nothing is stored."""
        with self._transaction() as db:
            for table, row in rows:
                if table == "training_items":
                    self._require_opt_in(db, row["user_id"], consented_at)
                self._insert(db, table, row)

    def note_consent(self, user_id: str, terms_version: str, training_opt_in: bool,
                     now: datetime | None = None) -> bool:
        """Record a consent event when the user's terms version or opt-in differs from the
        latest one on record; True when one was recorded."""
        with self._transaction() as db:
            return self._note_consent(db, user_id, terms_version, training_opt_in, now)

    def _note_consent(self, db: sqlite3.Connection, user_id: str, terms_version: str,
                      training_opt_in: bool, now: datetime | None) -> bool:
        last = self._latest_consent(db, user_id)
        if last is not None and (last[1], bool(last[2])) == (terms_version, training_opt_in):
            return False
        self._insert(db, "consent_events", {
            "event_id": new_id(), "user_id": user_id, "kind": "consent",
            "terms_version": terms_version, "terms_accepted": True,
            "training_opt_in": training_opt_in, "created_at": iso(now)})
        return True

    def withdraw(self, user_id: str, now: datetime | None = None) -> dict:
        """Consent to training withdrawn: the user's material leaves the training tables (here,
        from the outbox, and, through a queued delete, from the remote), and a withdrawal consent
        event is recorded, so later requests must opt in again before anything is kept. The
        generations' kept requests (they can hold the user's notes) are forgotten too."""
        with self._transaction() as db:
            at = iso(now)  # in the lock: nothing of this user commits between it and the delete
            removed = {t: db.execute(f"DELETE FROM {t} WHERE user_id = ?", (user_id,)).rowcount
                       for t in MATERIAL_TABLES}
            db.execute("UPDATE generations SET request = NULL WHERE user_id = ?", (user_id,))
            placeholders = ", ".join("?" * len(MATERIAL_TABLES))
            db.execute(f"DELETE FROM outbox WHERE user_id = ? AND op = 'upsert' AND tbl IN "
                       f"({placeholders})", (user_id, *MATERIAL_TABLES))
            last = self._latest_consent(db, user_id)
            self._enqueue(db, "withdraw", "training_items", {"user_id": user_id, "before": at})
            event_id = new_id()
            self._insert(db, "consent_events", {
                "event_id": event_id, "user_id": user_id, "kind": "withdrawal",
                "terms_version": last[1] if last else None, "terms_accepted": None,
                "training_opt_in": False, "created_at": at})
        return {"removed_items": removed["training_items"],
                "removed_batches": removed["training_batches"], "consent_event_id": event_id}

    def rows(self, table: str, user_id: str | None = None) -> list[dict]:
        """A table's rows (one user's), oldest first: for tests and audits."""
        assert table in TABLES
        where, args = ("WHERE user_id = ?", (user_id,)) if user_id is not None else ("", ())
        rows = self._query(f"SELECT * FROM {table} {where} ORDER BY created_at", args)
        return [{c: r[c] for c in TABLES[table]} for r in rows]

    def training_material(self, role: str | None = None) -> list[dict]:
        """User material training may use: only through the opt-in view."""
        where, args = ("WHERE role = ?", (role,)) if role else ("", ())
        return self._query(f"SELECT * FROM training_material {where} ORDER BY created_at", args)

    # --- the outbox --------------------------------------------------------------------------------
    # One process delivers at a time. A withdrawal deletes the user's queued material from the
    # outbox and queues a remote delete behind it; a process that had read those upserts before
    # the withdrawal, and sent them after another process delivered the delete, left withdrawn
    # material in the remote for good (two uvicorn workers: 3 items and 2 batches of 60 withdrawn
    # users). So a process delivers only while it holds the lease, and each send is claimed first:
    # in one transaction the lease is renewed and the events are read again, so an event a
    # withdrawal removed is never sent, and the delete is sent after them by the same holder.
    # Lease times are wall-clock seconds (time.time()): the processes share one machine's clock.

    def take_lease(self, holder: str, now_ts: float, lease_s: float) -> bool:
        """Hold the delivery lease until now + `lease_s`: taken when free, expired (its holder
        died) or already ours. False while another process holds it."""
        with self._transaction() as db:
            return self._renew(db, holder, now_ts, lease_s, take=True)

    @staticmethod
    def _renew(db: sqlite3.Connection, holder: str, now_ts: float, lease_s: float,
               take: bool = False) -> bool:
        """True, and the lease renewed to now + `lease_s`, while `holder` holds it; with `take`
        also when it is free or expired (then `holder` holds it from now on)."""
        row = db.execute("SELECT holder, expires_at FROM outbox_lease WHERE id = 1").fetchone()
        ours = row is not None and row[0] == holder and row[1] > now_ts
        if not ours and not (take and (row is None or row[1] <= now_ts)):
            return False
        db.execute("INSERT INTO outbox_lease (id, holder, expires_at) VALUES (1, ?, ?) "
                   "ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, "
                   "expires_at = excluded.expires_at", (holder, now_ts + lease_s))
        return True

    def release_lease(self, holder: str) -> None:
        """Let another process take the lease at once (the queue is drained, or we stop)."""
        with self._transaction() as db:
            db.execute("UPDATE outbox_lease SET expires_at = 0 WHERE holder = ?", (holder,))

    def claim(self, holder: str, seqs: list[int], now_ts: float, lease_s: float
              ) -> set[int] | None:
        """Right before a send: renew the lease (None if it is no longer ours: stop delivering)
        and return which of `seqs` are still queued (a withdrawal removes material upserts)."""
        with self._transaction() as db:
            if not self._renew(db, holder, now_ts, lease_s):
                return None
            return {s for (s,) in db.execute(
                f"SELECT seq FROM outbox WHERE state = 'pending' AND seq IN "
                f"({', '.join('?' * len(seqs))})", seqs)}

    def due_events(self, now_ts: float, limit: int) -> list[OutboxEvent]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, event_id, op, tbl, payload, attempts FROM outbox WHERE state = "
                "'pending' AND next_attempt_at <= ? ORDER BY seq LIMIT ?", (now_ts, limit)
            ).fetchall()
        return [OutboxEvent(s, e, op, t, json.loads(p), a) for s, e, op, t, p, a in rows]

    def next_due(self) -> float | None:
        with self._lock:
            (ts,) = self._db.execute("SELECT MIN(next_attempt_at) FROM outbox WHERE state = "
                                     "'pending'").fetchone()
        return ts

    def mark_delivered(self, seqs: list[int]) -> None:
        """The events were sent: out of the queue, and counted (each send, even a repeated one)."""
        with self._transaction() as db:
            db.executemany("DELETE FROM outbox WHERE seq = ?", [(s,) for s in seqs])
            db.execute("UPDATE outbox_stats SET delivered = delivered + ? WHERE id = 1",
                       (len(seqs),))

    def mark_failed(self, events: list[OutboxEvent], error: str, now_ts: float,
                    max_attempts: int, base_s: float, cap_s: float, rejected: bool = True,
                    public_error: str | None = None) -> int:
        """One more attempt each, retried after a jittered exponential backoff. A row the remote
        `rejected` `max_attempts` times is dead-lettered; an outage never dead-letters anything
        (the rows are fine; they wait, at most `cap_s` apart), and neither does anything about
        consent (a withdrawal and consent events must reach the remote). Counted as failures,
        with `public_error` (what kind of failure) as the last error. Returns how many went
        dead."""
        dead = 0
        with self._transaction() as db:
            db.execute("UPDATE outbox_stats SET failures = failures + ?, last_error = "
                       "coalesce(?, last_error) WHERE id = 1", (len(events), public_error))
            for e in events:
                attempts = e.attempts + 1
                may_die = rejected and e.op != "withdraw" and e.table != "consent_events"
                state = "dead" if may_die and attempts >= max_attempts else "pending"
                dead += state == "dead"
                db.execute("UPDATE outbox SET attempts = ?, state = ?, next_attempt_at = ?, "
                           "last_error = ? WHERE seq = ?",
                           (attempts, state, now_ts + backoff_s(attempts, base_s, cap_s),
                            error[:500], e.seq))
        return dead

    def requeue_dead(self) -> int:
        """Dead letters back to pending with a fresh attempt count (after the cause is fixed)."""
        with self._transaction() as db:
            return db.execute("UPDATE outbox SET state = 'pending', attempts = 0, "
                              "next_attempt_at = 0 WHERE state = 'dead'").rowcount

    def outbox_counts(self) -> dict[str, int]:
        with self._lock:
            counts = dict(self._db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state"))
        return {"backlog": counts.get("pending", 0), "dead_letters": counts.get("dead", 0)}

    def delivery_stats(self) -> DeliveryStats:
        (row,) = self._query("SELECT delivered, failures, last_error FROM outbox_stats")
        return DeliveryStats(**row)

    def describe(self) -> dict:
        """What /health and /metrics show: the same from every process sharing the store."""
        with self._lock:
            (count,) = self._db.execute(
                "SELECT COUNT(*) FROM generations WHERE status = 'done'").fetchone()
        return {"path": str(self.path), "generations": count, **self.outbox_counts(),
                **vars(self.delivery_stats())}

    def close(self) -> None:
        with self._lock:
            self._db.close()
