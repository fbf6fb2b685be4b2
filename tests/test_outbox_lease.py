"""One outbox, several processes: the delivery lease, claims before every send, stale
reservations and figures shared through the store. Each EventStore here is its own SQLite
connection to one file, as each uvicorn worker process has (the real processes are in
tests/test_workers.py)."""

import asyncio
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from eventlog.outbox import OutboxPolicy, OutboxWorker
from eventlog.store import EventStore, GenerationRecord, iso, new_id
from tests.test_outbox import MemoryRemote, _pref

ROOT = Path(__file__).resolve().parents[1]
QUICK = OutboxPolicy(max_attempts=3, backoff_base_s=0.001, backoff_cap_s=0.002, batch=50,
                     poll_s=0.01, lease_s=0.3, send_deadline_s=0.2)


def _two_stores(tmp_path: Path) -> tuple[EventStore, EventStore]:
    path = tmp_path / "events.sqlite3"
    return EventStore(path, outbox=True), EventStore(path, outbox=True)


def test_only_the_lease_holder_delivers_and_a_dead_holders_lease_is_taken_over(tmp_path):
    a, b = _two_stores(tmp_path)
    remote = MemoryRemote()
    for _ in range(5):
        a.add(("genre_preferences", _pref()))
    assert a.take_lease("process-a", time.time(), QUICK.lease_s)  # ... and then it is killed
    worker_b = OutboxWorker(b, remote, QUICK)
    assert asyncio.run(worker_b.deliver_due()) == 0  # a's lease has not expired: b must wait
    assert remote.requests == 0 and b.outbox_counts()["backlog"] == 5
    time.sleep(QUICK.lease_s)
    assert asyncio.run(worker_b.deliver_due()) == 5  # expired: taken over
    assert len(remote.tables["genre_preferences"]) == 5
    # Drained, b let the lease go: another process may take it at once.
    assert a.take_lease("process-c", time.time(), QUICK.lease_s)


def test_a_holder_that_lost_its_lease_sends_nothing_more(tmp_path):
    a, b = _two_stores(tmp_path)
    for _ in range(3):
        a.add(("genre_preferences", _pref()))
    a.add(("feedback", {"event_id": new_id(), "user_id": "u1", "generation_id": new_id(),
                        "variation": 0, "accepted": True, "created_at": iso()}))

    class TakenOverAfterFirstSend(MemoryRemote):
        async def upsert(self, table, rows):
            await super().upsert(table, rows)
            # This process stalls past its lease; another one takes the lease over.
            b._db.execute("UPDATE outbox_lease SET holder = 'process-b', expires_at = ?",
                          (time.time() + 60,))

    remote = TakenOverAfterFirstSend()
    assert asyncio.run(OutboxWorker(a, remote, QUICK).deliver_due()) == 3
    assert remote.requests == 1 and "feedback" not in remote.tables  # checked before the send
    assert a.outbox_counts()["backlog"] == 1


def test_material_a_withdrawal_removed_after_it_was_read_is_never_sent(tmp_path):
    """The race that left withdrawn material in Postgres: upserts read from the outbox, then the
    user withdraws (another process delivers the delete), then the upserts are sent. Every send
    is claimed first, so upserts the withdrawal took out of the queue are not sent at all."""
    store = EventStore(tmp_path / "events.sqlite3", outbox=True)
    store.note_consent("u1", "2026-01", True)
    store.add(("training_items", {"event_id": new_id(), "user_id": "u1", "source": "midi",
                                  "midi_base64": "x", "sha256": "s", "training_opt_in": True,
                                  "created_at": iso()}))

    class WithdrawnMeanwhile(MemoryRemote):
        async def upsert(self, table, rows):
            await super().upsert(table, rows)
            if table == "consent_events" and not store.rows("consent_events", "u1")[-1][
                    "kind"] == "withdrawal":  # sent first; the items were read with it
                store.withdraw("u1")

    remote = WithdrawnMeanwhile()
    worker = OutboxWorker(store, remote, QUICK)
    # The opt-in, then the withdrawal and its consent event; the item is not sent.
    assert asyncio.run(worker.deliver_due()) == 3
    assert "training_items" not in remote.tables
    assert remote.withdrawals and store.outbox_counts()["backlog"] == 0


def test_delivery_figures_are_the_stores_whichever_process_delivered(tmp_path):
    a, b = _two_stores(tmp_path)
    remote = MemoryRemote()
    for _ in range(4):
        a.add(("genre_preferences", _pref()))
    assert asyncio.run(OutboxWorker(a, remote, QUICK).deliver_due()) == 4
    b.add(("genre_preferences", _pref()))
    remote.down = True
    asyncio.run(OutboxWorker(b, remote, QUICK).deliver_due())
    for store in (a, b):
        stats = store.delivery_stats()
        assert (stats.delivered, stats.failures) == (4, 1)
        assert stats.last_error == "unavailable (RemoteUnavailable) delivering to genre_preferences"
        assert store.describe()["delivered"] == 4
    b.close()
    assert EventStore(tmp_path / "events.sqlite3").delivery_stats().delivered == 4  # restarts keep it


def test_stores_opened_by_many_processes_at_once_all_start(tmp_path):
    """Workers start together: creating the schema (and replacing the view) is one transaction
    at a time, and writers wait for each other instead of failing with "database is locked"."""
    code = ("import sys; from pathlib import Path; from eventlog.store import EventStore, new_id, "
            "iso\ns = EventStore(Path(sys.argv[1]), outbox=True)\nfor _ in range(50): s.add(("
            "'genre_preferences', {'event_id': new_id(), 'user_id': 'u', 'genres': ['trap'], "
            "'created_at': iso()}))\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "events.sqlite3")],
                              cwd=ROOT, stderr=subprocess.PIPE) for _ in range(6)]
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, errors
    store = EventStore(tmp_path / "events.sqlite3", outbox=True)
    assert len(store.rows("genre_preferences")) == 300
    assert store.outbox_counts()["backlog"] == 300


# --- reservations left pending by a crashed process -------------------------------------------

DAY = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _complete(store: EventStore, user: str, n: int, limit: int) -> None:
    for _ in range(n):
        gid = store.reserve_generation(user, "drums", limit, DAY)
        store.complete_generation(GenerationRecord(gid, user, "drums", None, {}, 1, "drums", "1.0.0",
                                                   {}, 1.0))


def test_a_reservation_of_a_killed_process_stops_counting_after_the_timeout(tmp_path):
    path = tmp_path / "events.sqlite3"
    store = EventStore(path, pending_timeout_s=60)
    _complete(store, "u1", 4, limit=5)
    # Another process reserves the user's fifth generation and is killed mid-generation.
    code = ("import sys; from datetime import datetime, UTC; from pathlib import Path\n"
            "from eventlog.store import EventStore\n"
            "s = EventStore(Path(sys.argv[1]), pending_timeout_s=60)\n"
            "print(s.reserve_generation('u1', 'drums', 5, datetime(2026, 11, 30, 12, 0, "
            "tzinfo=UTC)), flush=True)\nimport time; time.sleep(600)\n")
    crashed = subprocess.Popen([sys.executable, "-c", code, str(path)], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert crashed.stdout.readline().strip()  # the reservation is committed
    finally:
        crashed.kill()  # SIGKILL: nothing is released
        crashed.wait()
    statuses = [r for (r,) in sqlite3.connect(path).execute("SELECT status FROM generations")]
    assert sorted(statuses) == ["done"] * 4 + ["pending"]
    # Still young, it may be another live worker's generation in progress: it counts.
    assert store.reserve_generation("u1", "drums", 5, DAY + timedelta(seconds=5)) is None
    # Older than the timeout: its process is gone; the user gets their fifth generation.
    later = DAY + timedelta(seconds=61)
    gid = store.reserve_generation("u1", "drums", 5, later)
    assert gid is not None
    assert store.reserve_generation("u1", "drums", 5, later) is None  # and no sixth
    pending = [r for (r,) in sqlite3.connect(path).execute(
        "SELECT event_id FROM generations WHERE status = 'pending'")]
    assert pending == [gid]  # the leftover was deleted


def test_stale_reservations_are_deleted_at_start_up_and_fresh_ones_kept(tmp_path):
    path = tmp_path / "events.sqlite3"
    EventStore(path).close()
    now = datetime.now(UTC)
    db = sqlite3.connect(path)
    for gid, at in (("stale", now - timedelta(seconds=120)), ("fresh", now)):
        db.execute("INSERT INTO generations (event_id, user_id, role, status, day, created_at) "
                   "VALUES (?, 'u1', 'drums', 'pending', ?, ?)", (gid, at.strftime("%Y-%m-%d"),
                                                                   iso(at)))
    db.commit()
    EventStore(path, pending_timeout_s=60).close()
    assert [r for (r,) in db.execute("SELECT event_id FROM generations")] == ["fresh"]


def test_a_generation_that_outlived_its_reservation_is_still_logged(tmp_path):
    store = EventStore(tmp_path / "events.sqlite3", outbox=True, pending_timeout_s=60)
    gid = store.reserve_generation("u1", "drums", 5, DAY)
    store.reserve_generation("u2", "drums", 5, DAY + timedelta(seconds=120))  # settles gid
    store.complete_generation(GenerationRecord(gid, "u1", "drums", None, {"bars": 1}, 1, "drums",
                                               "1.0.0", {}, 1.0))
    assert store.get_generation(gid)["status"] == "done"
    assert store.get_generation(gid)["params"] == {"bars": 1}


def test_a_user_at_the_limit_is_not_blocked_by_a_crashed_reservation(tmp_path):
    """Through the app: a generation done and a leftover reservation of a killed process (two
    minutes old) at a limit of 2: the user's second generation is made, the third refused."""
    from tests.conftest import CONSENT, make_client

    with make_client(tmp_path, LEGAL_GENERATION_LIMIT=2, PENDING_TIMEOUT_S=60) as c:
        body = {"consent": CONSENT, "bars": 1, "seed": 1}
        assert c.post("/generate/drums", json=body).status_code == 200
        at = datetime.now(UTC) - timedelta(seconds=120)
        db = sqlite3.connect(tmp_path / "data" / "events.sqlite3")
        db.execute("INSERT INTO generations (event_id, user_id, role, status, day, created_at) "
                   "VALUES (?, ?, 'drums', 'pending', ?, ?)",
                   (new_id(), CONSENT["user_id"], datetime.now(UTC).strftime("%Y-%m-%d"), iso(at)))
        db.commit()
        assert c.post("/generate/drums", json=body).status_code == 200
        assert c.post("/generate/drums", json=body).status_code == 429
