"""Two real uvicorn worker processes on one DATA_DIR (one SQLite store, one outbox) and the real
PostgreSQL: events logged over HTTP through both workers are delivered exactly once, withdrawn
material does not survive in Postgres, material from before an opt-out stays out of training,
and /health reports the same outbox figures from either worker.

Which worker answers is known, not hoped for: each HTTP client keeps one connection open, and the
test finds the worker process holding the server side of it (/proc), so every user's requests
are split between the two workers on purpose (a batch through one, the withdrawal through the
other)."""

import base64
import os
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest

from eventlog.schema import TABLES
from tests.servers import uvicorn_server
from tests.test_api_events import song_midi

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").is_file(), reason="finding which worker "
                                "serves a connection needs Linux's /proc")

USERS = 36  # a third withdraw, a third opt out and back in, a third keep their material
WORKERS = 2

# Every row a delivery tries to insert, counted in Postgres itself (a BEFORE INSERT trigger fires
# for a row that ON CONFLICT then skips, too): an event sent twice shows up twice.
DELIVERY_LOG = "CREATE TABLE delivery_log (event_id uuid NOT NULL, tbl text NOT NULL);" + """
CREATE FUNCTION log_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO delivery_log VALUES (NEW.event_id, TG_TABLE_NAME); RETURN NEW; END $$;""" + "".join(
    f"CREATE TRIGGER log_delivery BEFORE INSERT ON {t} FOR EACH ROW EXECUTE FUNCTION log_delivery();"
    for t in TABLES)


def worker_processes(pid: int) -> list[int]:
    """The worker processes uvicorn `pid` spawned (not multiprocessing's resource tracker)."""
    out = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if ppid == pid and b"spawn_main" in cmdline:
            out.append(int(proc.name))
    return out


def socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server side of the connection from `client_port` (/proc/net/tcp)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if int(local.rsplit(":", 1)[1], 16) == server_port and \
                    int(remote.rsplit(":", 1)[1], 16) == client_port:
                return inode
    return None


def owner(pids: list[int], inode: str) -> int | None:
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


class PinnedClient:
    """An HTTP client on one kept-alive connection, and the worker process that serves it."""

    def __init__(self, base: str, port: int, workers: list[int]):
        self.http = httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(
            max_connections=1, max_keepalive_connections=1))
        self.local_port = self._port(self.http.get("/health"))
        inode = socket_inode(port, self.local_port)
        self.worker = owner(workers, inode) if inode else None

    @staticmethod
    def _port(response: httpx.Response) -> int:
        return response.extensions["network_stream"].get_extra_info("client_addr")[1]

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        r = self.http.request(method, path, **kwargs)
        assert self._port(r) == self.local_port, "the connection was reopened: worker unknown"
        return r


@pytest.fixture
def workers(tmp_path: Path, pg_url: str) -> Iterator[tuple[dict[int, list[PinnedClient]], Path]]:
    """`uvicorn app.main:app --workers 2` on pg_url; per worker pid, clients it serves."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(DELIVERY_LOG)
    pinned: dict[int, list[PinnedClient]] = {}
    with uvicorn_server(tmp_path / "data", "--workers", str(WORKERS), "--timeout-keep-alive",
                        "120", log=tmp_path / "server.log", DATABASE_URL=pg_url,
                        OUTBOX_POLL_S="0.2", LEGAL_GENERATION_LIMIT="1000") as (port, server):
        base = f"http://127.0.0.1:{port}"
        try:
            pids = worker_processes(server.pid)
            assert len(pids) == WORKERS, pids
            for _ in range(100):  # connections until each worker serves two of them
                if len(pinned) == WORKERS and all(len(c) >= 2 for c in pinned.values()):
                    break
                client = PinnedClient(base, port, pids)
                assert client.worker in pids
                pinned.setdefault(client.worker, []).append(client)
            assert len(pinned) == WORKERS, "the workers did not both take connections"
            yield pinned, tmp_path / "data" / "events.sqlite3"
        finally:
            for clients in pinned.values():
                for c in clients:
                    c.http.close()
    print((tmp_path / "server.log").read_text()[-4000:])  # shown when the test fails


def consent(user: str, opt_in: bool = True) -> dict:
    return {"user_id": user, "terms_version": "2026-01", "terms_accepted": True,
            "training_opt_in": opt_in}


def act_as_user(i: int, one: PinnedClient, other: PinnedClient, midi: str) -> dict:
    """Generation, feedback, preferences and a training batch, split over the two workers; then
    a withdrawal, an opt-out and a new batch, or nothing. Returns what the user did."""
    user, kind = f"u_workers_{i}", ("withdraw", "opt_out", "keep")[i % 3]
    ok = lambda r, code: r.json() if r.status_code == code else pytest.fail(r.text)  # noqa: E731
    gen = ok(one.call("POST", "/generate/drums", json={"consent": consent(user), "bars": 1,
                                                       "seed": i}), 200)
    ok(other.call("POST", "/feedback", json={"consent": consent(user), "accepted": True,
                                            "generation_id": gen["generation_id"]}), 201)
    ok(one.call("POST", "/preferences", json={"consent": consent(user), "genres": ["trap"]}), 201)
    batch = ok(other.call("POST", "/training/batch", json={"consent": consent(user), "items": [
        {"midi_base64": midi, "role": "drums", "genre": "trap"},
        {"generation_id": gen["generation_id"]}]}), 202)
    done = {"user": user, "kind": kind, "batches": [batch["batch_id"]]}
    if kind == "withdraw":
        ok(one.call("DELETE", f"/users/{user}/training-data"), 200)
    elif kind == "opt_out":  # hides the first batch for good; the second is sent after it
        ok(one.call("POST", "/preferences", json={"consent": consent(user, False),
                                                 "genres": ["house"]}), 201)
        done["batches"].append(ok(other.call("POST", "/training/batch", json={
            "consent": consent(user), "items": [{"midi_base64": midi, "role": "drums",
                                                 "genre": "house"}]}), 202)["batch_id"])
    return done


def outbox_figures(client: PinnedClient) -> tuple:
    state = client.call("GET", "/health").json()["event_store"]
    return tuple(state[k] for k in ("backend", "backlog", "dead_letters", "delivered",
                                    "failures", "last_error"))


def test_two_worker_processes_deliver_every_event_exactly_once(workers, pg_url):
    pinned, store_path = workers
    (a_clients, b_clients) = pinned.values()
    midi = base64.b64encode(song_midi()).decode()
    pairs = [(a, b) for a, b in zip(a_clients, b_clients, strict=False)]

    def run(i: int) -> dict:
        a, b = pairs[i % len(pairs)]
        return act_as_user(i, *((a, b) if i % 2 else (b, a)), midi)

    with ThreadPoolExecutor(len(pairs)) as pool:  # one thread per pair: a client is not shared
        users = []
        for start in range(0, USERS, len(pairs)):
            users += pool.map(run, range(start, min(start + len(pairs), USERS)))

    deadline = time.monotonic() + 20
    while any(outbox_figures(c)[1] for c in (a_clients[0], b_clients[0])):
        assert time.monotonic() < deadline, "the backlog did not drain"
        time.sleep(0.1)
    figures = {outbox_figures(c) for _ in range(3) for c in a_clients + b_clients}
    assert len(figures) == 1, figures  # the same from both workers
    ((backend, backlog, dead, delivered, failures, last_error),) = figures
    assert (backend, backlog, dead, failures, last_error) == ("postgres", 0, 0, 0, None)

    local = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    withdrawn = [u["user"] for u in users if u["kind"] == "withdraw"]
    with psycopg.connect(pg_url) as conn:
        for table in TABLES:  # every local event is in Postgres, and nothing else
            where = " WHERE status = 'done'" if table == "generations" else ""
            mine = {e for (e,) in local.execute(f"SELECT event_id FROM {table}{where}")}
            theirs = {e for (e,) in conn.execute(f"SELECT event_id::text FROM {table}")}
            assert mine == theirs, table
        twice = conn.execute("SELECT event_id, count(*) FROM delivery_log GROUP BY event_id "
                             "HAVING count(*) > 1").fetchall()
        assert twice == []  # no event was sent twice
        (inserts,) = conn.execute("SELECT count(*) FROM delivery_log").fetchone()
        # The store's count of sends: each upsert once, plus the withdrawals' deletes.
        assert delivered == inserts + len(withdrawn)
        for table in ("training_items", "training_batches"):
            (left,) = conn.execute(f"SELECT count(*) FROM {table} WHERE user_id = ANY(%s)",
                                   (withdrawn,)).fetchone()
            assert left == 0, f"{left} {table} rows of withdrawn users left in Postgres"
        kept = conn.execute("SELECT count(*) FROM generations WHERE user_id = ANY(%s) AND "
                            "request IS NOT NULL", (withdrawn,)).fetchone()
        assert kept == (0,)
        trained = conn.execute("SELECT user_id, batch_id::text FROM training_material").fetchall()
    local_trained = local.execute("SELECT user_id, batch_id FROM training_material").fetchall()
    # Training reads the users who kept their material (both items), and of those who opted out
    # and back in only the batch sent after the opt-out.
    expected = sorted([(u["user"], u["batches"][0]) for u in users if u["kind"] == "keep"] * 2
                      + [(u["user"], u["batches"][1]) for u in users if u["kind"] == "opt_out"])
    assert sorted(trained) == expected and sorted(local_trained) == expected
