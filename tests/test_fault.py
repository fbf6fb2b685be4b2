"""The fault test: with the remote log unreachable, 1,000 events are logged through the API, the
service is restarted halfway, then the remote comes back. The remote must end with exactly those
1,000 events, once each, and no request may have failed because the remote was down.

Run against both remotes: the real PostgreSQL behind a TCP proxy that drops every connection, and
Supabase's REST API behind a fake PostgREST that refuses every connection."""

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
import pytest

from app.core.config import Settings
from app.main import create_app
from beatengine.genres import GENRE_NAMES
from eventlog.supabase_remote import SupabaseRemote
from tests.conftest import CONSENT, SHIPPED_MODELS
from tests.fake_postgrest import FakePostgrest
from tests.postgres_fixtures import proxied

USERS = [f"u_fault_{i}" for i in range(4)]
EVENTS = 1000
FAST_RETRY = {"OUTBOX_BACKOFF_BASE_S": 0.05, "OUTBOX_BACKOFF_CAP_S": 0.2, "OUTBOX_POLL_S": 0.05,
              "OUTBOX_MAX_ATTEMPTS": 1000}


def log_events(client, start: int, stop: int, generation_ids: dict[str, str]) -> dict[str, list]:
    """Events start..stop-1: preferences and feedback, round-robin over the users."""
    sent: dict[str, list] = {"genre_preferences": [], "feedback": []}
    for i in range(start, stop):
        user = USERS[i % len(USERS)]
        consent = {**CONSENT, "user_id": user}
        if i % 3:
            r = client.post("/preferences", json={"consent": consent,
                                                  "genres": [GENRE_NAMES[i % len(GENRE_NAMES)]]})
            table = "genre_preferences"
        else:
            r = client.post("/feedback", json={"consent": consent, "accepted": bool(i % 2),
                                               "generation_id": generation_ids[user]})
            table = "feedback"
        assert r.status_code == 201, r.text  # the remote being down never fails a request
        sent[table].append(r.json()["event_id"])
    return sent


def run_fault_scenario(tmp_path: Path, settings: dict, set_remote: Callable[[bool], None],
                       remote_rows: Callable[[str], list[str]], open_remote=None) -> None:
    def app():
        s = Settings(MODEL_DIR=SHIPPED_MODELS, DATA_DIR=tmp_path / "data", **FAST_RETRY, **settings)
        from fastapi.testclient import TestClient
        return TestClient(create_app(s, open_remote) if open_remote else create_app(s))

    set_remote(False)
    with app() as c:
        gens = {u: c.post("/generate/drums", json={"consent": {**CONSENT, "user_id": u},
                                                   "bars": 1, "seed": 5}) for u in USERS}
        assert all(r.status_code == 200 for r in gens.values())
        generation_ids = {u: r.json()["generation_id"] for u, r in gens.items()}
        first = log_events(c, 0, EVENTS // 2, generation_ids)
        state = c.get("/health").json()["event_store"]
        assert state["backlog"] >= EVENTS // 2 and state["delivered"] == 0
    with app() as c:  # the restart: the queue is still there
        assert c.get("/health").json()["event_store"]["backlog"] >= EVENTS // 2
        second = log_events(c, EVENTS // 2, EVENTS, generation_ids)
        set_remote(True)
        deadline = time.monotonic() + 60
        while (state := c.get("/health").json()["event_store"])["backlog"] and \
                time.monotonic() < deadline:
            time.sleep(0.1)
        assert state["backlog"] == 0 and state["dead_letters"] == 0, state
    for table in ("genre_preferences", "feedback"):
        expected = first[table] + second[table]
        got = remote_rows(table)
        assert len(got) == len(expected) and sorted(got) == sorted(expected), table
    assert len(first["genre_preferences"] + first["feedback"] + second["genre_preferences"]
               + second["feedback"]) == EVENTS
    assert sorted(remote_rows("generations")) == sorted(generation_ids.values())
    assert len(remote_rows("consent_events")) == len(USERS)


def test_postgres_remote_survives_an_outage_and_a_restart(tmp_path, pg_url):
    proxy, url = proxied(pg_url)

    def rows(table: str) -> list[str]:
        with psycopg.connect(pg_url) as conn:
            return [r for (r,) in conn.execute(f"SELECT event_id::text FROM {table}")]

    try:
        run_fault_scenario(
            tmp_path, {"DATABASE_URL": url},
            lambda up: proxy.up() if up else proxy.down(), rows)
    finally:
        proxy.close()


def test_supabase_remote_survives_an_outage_and_a_restart(tmp_path):
    fake = FakePostgrest()

    async def open_fake(settings: Settings):
        return await SupabaseRemote.connect("https://proj.supabase.co", "sb_secret_test",
                                            timeout_s=2, transport=httpx.MockTransport(fake))

    def set_remote(up: bool) -> None:
        fake.down = not up

    run_fault_scenario(tmp_path, {}, set_remote, lambda t: list(fake.tables.get(t, {})),
                       open_fake)
    posts = [r for r in fake.requests if r.method == "POST"]
    assert all(r.url.params["on_conflict"] == "event_id" for r in posts)


@pytest.fixture(autouse=True)
def _quiet_outbox_warnings(caplog):
    caplog.set_level("ERROR", logger="eventlog.outbox")
