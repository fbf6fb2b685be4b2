"""The local store's outbox and the delivery worker: backoff, dead letters, resume after a restart."""

import asyncio
import sqlite3
from pathlib import Path

import pytest

from eventlog.outbox import OutboxPolicy, OutboxWorker, runs
from eventlog.remote import RemoteRejected, RemoteUnavailable
from eventlog.store import EventStore, NotOptedIn, backoff_s, iso, new_id

FAST = OutboxPolicy(max_attempts=3, backoff_base_s=0.001, backoff_cap_s=0.002, batch=50,
                    poll_s=0.01)


class MemoryRemote:
    """A remote that keeps rows by event_id (like ON CONFLICT DO NOTHING) and can be made to fail."""
    name = "memory"

    def __init__(self):
        self.tables: dict[str, dict[str, dict]] = {}
        self.down = False
        self.reject: set[str] = set()  # event_ids it refuses
        self.requests = 0
        self.withdrawals: list[tuple[str, str]] = []

    async def upsert(self, table, rows):
        self.requests += 1
        if self.down:
            raise RemoteUnavailable("connection refused")
        if any(r["event_id"] in self.reject for r in rows):
            raise RemoteRejected("bad row")
        for r in rows:
            self.tables.setdefault(table, {}).setdefault(r["event_id"], r)

    async def withdraw(self, user_id, before):
        if self.down:
            raise RemoteUnavailable("connection refused")
        self.withdrawals.append((user_id, before))
        for t in ("training_items", "training_batches"):
            for k, r in list(self.tables.get(t, {}).items()):
                if r["user_id"] == user_id and r["created_at"] <= before:
                    del self.tables[t][k]
        for r in self.tables.get("generations", {}).values():
            if r["user_id"] == user_id and r["created_at"] <= before:
                r["request"] = None

    async def close(self):
        pass


def _pref(user: str = "u1") -> dict:
    return {"event_id": new_id(), "user_id": user, "genres": ["house"], "created_at": iso()}


def _deliver(store: EventStore, remote: MemoryRemote, policy: OutboxPolicy = FAST) -> int:
    return asyncio.run(OutboxWorker(store, remote, policy).deliver_due())


def test_without_a_remote_nothing_is_queued(tmp_path: Path):
    store = EventStore(tmp_path / "e.sqlite3", outbox=False)
    store.add(("genre_preferences", _pref()))
    assert store.outbox_counts() == {"backlog": 0, "dead_letters": 0}
    assert len(store.rows("genre_preferences")) == 1


def test_events_are_delivered_in_batches_and_leave_the_outbox(tmp_path: Path):
    store, remote = EventStore(tmp_path / "e.sqlite3", outbox=True), MemoryRemote()
    rows = [_pref() for _ in range(120)]
    for r in rows:
        store.add(("genre_preferences", r))
    assert store.outbox_counts()["backlog"] == 120
    assert _deliver(store, remote) == 120
    assert remote.requests == 3  # batches of 50
    assert remote.tables["genre_preferences"] == {r["event_id"]: r for r in rows}
    assert store.outbox_counts() == {"backlog": 0, "dead_letters": 0}


def test_runs_group_by_table_but_keep_a_withdrawal_in_its_place():
    from eventlog.store import OutboxEvent

    evs = [OutboxEvent(i, str(i), op, t, {}, 0) for i, (op, t) in enumerate(
        [("upsert", "a"), ("upsert", "b"), ("upsert", "a"), ("upsert", "a"),
         ("withdraw", "training_items"), ("upsert", "a"), ("upsert", "b")])]
    assert [[e.seq for e in r] for r in runs(evs, 2)] == [[0, 2], [3], [1], [4], [5], [6]]


def test_remote_down_backs_off_only_the_head_and_keeps_everything(tmp_path: Path):
    store, remote = EventStore(tmp_path / "e.sqlite3", outbox=True), MemoryRemote()
    for _ in range(120):
        store.add(("genre_preferences", _pref()))
    remote.down = True
    policy = OutboxPolicy(max_attempts=100, backoff_base_s=0.05, backoff_cap_s=0.05, batch=50)
    worker = OutboxWorker(store, remote, policy)
    assert asyncio.run(worker.deliver_due()) == 0
    assert remote.requests == 1  # stopped the pass at the first failure
    attempts = [a for (a,) in sqlite3.connect(tmp_path / "e.sqlite3").execute(
        "SELECT attempts FROM outbox ORDER BY seq")]
    assert attempts == [1] * 50 + [0] * 70
    remote.down = False
    asyncio.run(asyncio.sleep(0.06))
    assert asyncio.run(worker.deliver_due()) == 120
    assert len(remote.tables["genre_preferences"]) == 120


def test_a_rejected_row_is_isolated_and_dead_lettered_after_max_attempts(tmp_path: Path):
    store, remote = EventStore(tmp_path / "e.sqlite3", outbox=True), MemoryRemote()
    rows = [_pref() for _ in range(5)]
    for r in rows:
        store.add(("genre_preferences", r))
    remote.reject = {rows[2]["event_id"]}
    assert _deliver(store, remote) == 4  # the others go through at once
    for _ in range(5):
        asyncio.run(asyncio.sleep(0.003))
        _deliver(store, remote)
    assert store.outbox_counts() == {"backlog": 0, "dead_letters": 1}
    remote.reject = set()
    assert store.requeue_dead() == 1
    assert _deliver(store, remote) == 1
    assert len(remote.tables["genre_preferences"]) == 5


def test_backoff_grows_exponentially_with_full_jitter():
    samples = [backoff_s(n, 1.0, 900.0) for n in range(1, 12) for _ in range(200)]
    assert all(0 <= s <= 900 for s in samples)
    assert max(backoff_s(3, 1.0, 900.0) for _ in range(200)) <= 4.0
    assert max(backoff_s(12, 1.0, 900.0) for _ in range(200)) > 400  # near the cap, jittered


def test_a_restart_resumes_and_redelivery_is_harmless(tmp_path: Path):
    path = tmp_path / "e.sqlite3"
    store, remote = EventStore(path, outbox=True), MemoryRemote()
    rows = [_pref() for _ in range(10)]
    for r in rows:
        store.add(("genre_preferences", r))
    # Deliver, but "crash" before the outbox rows are deleted: the next process sends them again.
    asyncio.run(remote.upsert("genre_preferences", rows[:4]))
    store.close()
    store = EventStore(path, outbox=True)
    assert store.outbox_counts()["backlog"] == 10
    assert _deliver(store, remote) == 10
    assert sorted(remote.tables["genre_preferences"]) == sorted(r["event_id"] for r in rows)


def test_withdrawal_purges_queued_material_and_deletes_it_remotely(tmp_path: Path):
    store, remote = EventStore(tmp_path / "e.sqlite3", outbox=True), MemoryRemote()
    store.note_consent("u1", "2026-01", True)
    delivered = {"event_id": new_id(), "user_id": "u1", "source": "midi", "midi_base64": "x",
                 "sha256": "s", "training_opt_in": True, "created_at": iso()}
    store.add(("training_items", delivered))
    _deliver(store, remote)
    queued = {**delivered, "event_id": new_id(), "created_at": iso()}
    store.add(("training_items", queued), ("training_batches", {
        "event_id": new_id(), "user_id": "u1", "item_count": 1, "created_at": iso()}))
    out = store.withdraw("u1")
    assert out["removed_items"] == 2 and out["removed_batches"] == 1
    assert store.rows("training_items", "u1") == []
    _deliver(store, remote)
    assert remote.tables["training_items"] == {}  # the delivered one deleted, the queued never sent
    assert [e["kind"] for e in remote.tables["consent_events"].values()] == ["consent",
                                                                             "withdrawal"]
    with pytest.raises(NotOptedIn):  # a request that was running when consent was withdrawn
        store.add(("training_items", {**queued, "event_id": new_id()}))
    store.note_consent("u1", "2026-01", True)  # opting in again
    store.add(("training_items", {**queued, "event_id": new_id()}))


def test_an_outage_or_a_withdrawal_never_dead_letters(tmp_path: Path):
    store = EventStore(tmp_path / "e.sqlite3", outbox=True)
    store.add(("genre_preferences", _pref()))
    store.withdraw("u2")
    for _ in range(5):  # far more than max_attempts=2, none of them refused rows
        store.mark_failed(store.due_events(1e12, 10), "down", 0, 2, 0, 0, rejected=False)
    assert store.outbox_counts() == {"backlog": 3, "dead_letters": 0}
    for _ in range(3):  # refused: the preference dies, the withdrawal keeps trying
        store.mark_failed(store.due_events(1e12, 10), "refused", 0, 2, 0, 0, rejected=True)
    assert store.outbox_counts() == {"backlog": 2, "dead_letters": 1}
    ops = [e.op for e in store.due_events(1e12, 10)]
    assert ops == ["withdraw", "upsert"]  # the withdrawal and its consent event


def test_the_worker_task_delivers_as_events_arrive(tmp_path: Path):
    store, remote = EventStore(tmp_path / "e.sqlite3", outbox=True), MemoryRemote()

    async def main():
        worker = OutboxWorker(store, remote, FAST)
        worker.start()
        for _ in range(20):
            store.add(("genre_preferences", _pref()))
            worker.wake()
            await asyncio.sleep(0.005)
        for _ in range(100):
            if store.outbox_counts()["backlog"] == 0:
                break
            await asyncio.sleep(0.01)
        await worker.stop()
        return worker.stats.delivered

    assert asyncio.run(main()) == 20
    assert len(remote.tables["genre_preferences"]) == 20


def test_requeue_cli_and_stores_from_before_the_outbox(tmp_path: Path, capsys):
    from eventlog.requeue import main

    # A store written by the first release: the generation id column was called `id`.
    old = sqlite3.connect(tmp_path / "events.sqlite3")
    old.executescript("CREATE TABLE generations (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, "
                      "role TEXT NOT NULL, status TEXT NOT NULL, day TEXT NOT NULL, created_at "
                      "TEXT NOT NULL, params TEXT, seed INTEGER, model_name TEXT, model_version "
                      "TEXT, consent TEXT, latency_ms REAL); INSERT INTO generations VALUES "
                      "('g1', 'u1', 'drums', 'done', '2026-11-01', '2026-11-01T00:00:00', "
                      "'{\"bars\": 2}', 1, 'drums', '1.0.0', '{}', 3.0);")
    old.commit()
    old.close()
    store = EventStore(tmp_path / "events.sqlite3", outbox=True)
    assert store.get_generation("g1")["params"] == {"bars": 2}
    store.add(("genre_preferences", _pref()))
    store.mark_failed(store.due_events(1e12, 10), "boom", 0, 1, 1, 1)
    assert store.outbox_counts() == {"backlog": 0, "dead_letters": 1}
    assert main([str(tmp_path)]) == 0
    assert "requeued 1" in capsys.readouterr().out
    assert store.outbox_counts() == {"backlog": 1, "dead_letters": 0}
