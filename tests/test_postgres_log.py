"""The migrations and the Postgres backend against this machine's real PostgreSQL."""

import asyncio
import sqlite3
import uuid

import psycopg
import pytest

from eventlog.migrate import migrate
from eventlog.postgres_remote import PostgresRemote
from eventlog.remote import RemoteRejected, RemoteUnavailable
from eventlog.schema import TABLES
from eventlog.store import EventStore, iso
from tests.postgres_fixtures import proxied


def _uid() -> str:
    return str(uuid.uuid4())


def _prefs(user: str, n: int = 3, at: str | None = None) -> list[dict]:
    return [{"event_id": _uid(), "user_id": user, "genres": ["trap", "lofi"],
             "created_at": at or iso()} for _ in range(n)]


def _item(user: str, at: str, opt_in: bool = True) -> dict:
    return {"event_id": _uid(), "user_id": user, "batch_id": _uid(), "source": "midi",
            "role": "drums", "genre": "trap", "midi_base64": "TVRoZA==", "sha256": "ab",
            "training_opt_in": opt_in, "created_at": at}


def _consent(user: str, opt_in: bool, at: str, kind: str = "consent") -> dict:
    return {"event_id": _uid(), "user_id": user, "kind": kind, "terms_version": "2026-01",
            "terms_accepted": True, "training_opt_in": opt_in, "created_at": at}


def _upsert(url: str, table: str, rows: list[dict]) -> None:
    async def go():
        remote = PostgresRemote(url)
        try:
            await remote.upsert(table, rows)
        finally:
            await remote.close()
    asyncio.run(go())


def test_migrations_apply_once_and_are_recorded_like_the_supabase_cli(pg_url):
    from eventlog.migrate import MIGRATIONS

    assert migrate(pg_url) == []  # the fixture applied them already
    with psycopg.connect(pg_url) as conn:
        versions = [v for (v,) in conn.execute(
            "SELECT version FROM supabase_migrations.schema_migrations ORDER BY version")]
        assert versions == sorted(p.stem.split("_")[0] for p in MIGRATIONS.glob("*.sql"))
        assert "20261127000000" in versions and len(versions) >= 2
        rls = dict(conn.execute("SELECT relname, relrowsecurity FROM pg_class WHERE relname = "
                                "ANY(%s)", (list(TABLES),)))
    assert rls == dict.fromkeys(TABLES, True)


def test_postgres_and_sqlite_tables_have_the_same_columns(pg_url, tmp_path):
    store = EventStore(tmp_path / "events.sqlite3")
    store.close()
    lite = sqlite3.connect(tmp_path / "events.sqlite3")
    with psycopg.connect(pg_url) as conn:
        for table, columns in TABLES.items():
            remote = [c for (c,) in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                "AND table_name = %s ORDER BY ordinal_position", (table,))]
            local = [r[1] for r in lite.execute(f"PRAGMA table_info({table})")]
            assert remote == list(columns)
            assert local[:len(columns)] == list(columns)


def test_upsert_is_idempotent_and_keeps_types(pg_url):
    rows = _prefs("u1")
    _upsert(pg_url, "genre_preferences", rows)
    _upsert(pg_url, "genre_preferences", rows + _prefs("u1", 1))  # a redelivery plus one new
    with psycopg.connect(pg_url) as conn:
        got = conn.execute("SELECT event_id::text, genres FROM genre_preferences").fetchall()
    assert len(got) == 4 and {r[0] for r in got} >= {r["event_id"] for r in rows}
    assert all(g == ["trap", "lofi"] for _, g in got)


def test_training_items_refuse_material_without_opt_in(pg_url):
    with pytest.raises(RemoteRejected, match="23514"):
        _upsert(pg_url, "training_items", [_item("u1", iso(), opt_in=False)])


def test_withdraw_removes_only_that_users_earlier_material(pg_url):
    early, late = "2026-11-01T00:00:00.000000+00:00", "2026-11-20T00:00:00.000000+00:00"
    _upsert(pg_url, "training_items", [_item("u1", early), _item("u1", late), _item("u2", early)])
    gen = {"event_id": _uid(), "user_id": "u1", "role": "drums", "request": {"bars": 2},
           "params": {}, "seed": 1, "model_name": "drums", "model_version": "1.0.0",
           "consent": {}, "latency_ms": 1.0, "created_at": early}
    _upsert(pg_url, "generations", [gen, {**gen, "event_id": _uid(), "user_id": "u2"}])

    async def go():
        remote = PostgresRemote(pg_url)
        await remote.withdraw("u1", "2026-11-10T00:00:00.000000+00:00")
        await remote.withdraw("u1", "2026-11-10T00:00:00.000000+00:00")  # idempotent
        await remote.close()
    asyncio.run(go())
    with psycopg.connect(pg_url) as conn:
        left = conn.execute("SELECT user_id, created_at::text FROM training_items "
                            "ORDER BY user_id").fetchall()
    assert [u for u, _ in left] == ["u1", "u2"] and left[0][1].startswith("2026-11-20")
    with psycopg.connect(pg_url) as conn:
        kept = dict(conn.execute("SELECT user_id, request FROM generations").fetchall())
    assert kept == {"u1": None, "u2": {"bars": 2}}  # the kept request is forgotten too


def test_training_material_view_follows_the_latest_consent(pg_url):
    a, b = _uid(), _uid()
    _upsert(pg_url, "training_items", [_item(a, iso()), _item(b, iso())])
    _upsert(pg_url, "consent_events", [_consent(a, True, "2026-11-01T00:00:00+00:00"),
                                       _consent(b, True, "2026-11-01T00:00:00+00:00"),
                                       _consent(b, False, "2026-11-02T00:00:00+00:00")])
    with psycopg.connect(pg_url) as conn:
        users = [u for (u,) in conn.execute("SELECT user_id FROM training_material")]
    assert users == [a]  # b's latest consent is an opt-out


def test_row_level_security_own_rows_for_users_service_role_writes(pg_url):
    a, b = _uid(), _uid()
    _upsert(pg_url, "genre_preferences", _prefs(a, 2) + _prefs(b, 3))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("SET ROLE authenticated")
        conn.execute("SELECT set_config('request.jwt.claim.sub', %s, false)", (a,))
        seen = {u for (u,) in conn.execute("SELECT user_id FROM genre_preferences")}
        assert seen == {a}
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO genre_preferences VALUES (%s, %s, '[]', now())", (_uid(), a))
        conn.execute("RESET ROLE")
        conn.execute("SET ROLE anon")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM genre_preferences")
        conn.execute("RESET ROLE")
        conn.execute("SET ROLE service_role")
        conn.execute("INSERT INTO genre_preferences VALUES (%s, %s, '[]', now())", (_uid(), a))
        (n,) = conn.execute("SELECT count(*) FROM genre_preferences").fetchone()
    assert n == 6


def test_unreachable_is_unavailable_and_the_connection_comes_back(pg_url):
    proxy, url = proxied(pg_url)

    async def go():
        remote = PostgresRemote(url, timeout_s=3)
        await remote.upsert("genre_preferences", _prefs("u1", 1))
        proxy.down()
        with pytest.raises(RemoteUnavailable):
            await remote.upsert("genre_preferences", _prefs("u1", 1))
        proxy.up()
        await remote.upsert("genre_preferences", _prefs("u1", 1))  # reconnects
        await remote.close()
    try:
        asyncio.run(go())
    finally:
        proxy.close()
    with psycopg.connect(pg_url) as conn:
        (n,) = conn.execute("SELECT count(*) FROM genre_preferences").fetchone()
    assert n == 2


def test_training_reads_remote_material_only_through_the_opt_in_view(pg_url):
    from eventlog.material import read_material

    a, b = _uid(), _uid()
    _upsert(pg_url, "training_items", [_item(a, iso()), _item(b, iso())])
    _upsert(pg_url, "consent_events", [_consent(a, True, "2026-11-01T00:00:00+00:00"),
                                       _consent(b, True, "2026-11-01T00:00:00+00:00"),
                                       _consent(b, False, "2026-11-03T00:00:00+00:00",
                                                kind="withdrawal")])
    got = read_material(pg_url, "drums")
    assert [(m.user_id, m.genre, m.midi) for m in got] == [(a, "trap", b"MThd")]
    assert read_material(pg_url, "melody") == []


def test_material_from_before_a_withdrawal_never_returns_even_before_its_delete(pg_url, tmp_path):
    """The remote delete a withdrawal queues may arrive after a later opt-in: the view still
    leaves out everything from before the withdrawal (Postgres and the SQLite store alike)."""
    from eventlog.material import read_material

    a = _uid()
    old, new = _item(a, "2026-11-01T00:00:00+00:00"), _item(a, "2026-11-05T00:00:00+00:00")
    consents = [_consent(a, True, "2026-10-31T00:00:00+00:00"),
                _consent(a, False, "2026-11-02T00:00:00+00:00", kind="withdrawal"),
                _consent(a, True, "2026-11-03T00:00:00+00:00")]
    _upsert(pg_url, "training_items", [old, new])
    _upsert(pg_url, "consent_events", consents)
    assert [m.event_id for m in read_material(pg_url, "drums")] == [new["event_id"]]
    store = EventStore(tmp_path / "events.sqlite3")
    with store._transaction() as db:  # as delivered rows would land: no checks, any order
        for table, row in [("consent_events", c) for c in consents] + [
                ("training_items", old), ("training_items", new)]:
            cols = list(row)
            db.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                       f"({', '.join('?' * len(cols))})", [row[c] for c in cols])
    assert [m["event_id"] for m in store.training_material()] == [new["event_id"]]
