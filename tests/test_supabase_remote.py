"""SupabaseRemote against a fake PostgREST (httpx.MockTransport): the exact requests it sends and
how it maps every kind of failure onto RemoteUnavailable / RemoteRejected. No network."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from eventlog.remote import RemoteRejected, RemoteUnavailable
from eventlog.supabase_remote import SupabaseRemote
from tests.fake_postgrest import FakePostgrest

URL = "https://proj.supabase.co"
KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"  # opaque, not a JWT: must be sent as is

ROWS = [
    {"event_id": "8f1c0c4e-6d0a-4a57-9a43-9e7d3c2f0b11", "user_id": "u1", "role": "drums",
     "request": {"bars": 4, "genre": "trap"}, "params": {"temperature": 0.9, "tags": ["a", "b"]},
     "seed": 42, "model_name": "drum", "model_version": "v3", "consent": {"training_opt_in": False},
     "latency_ms": 12.5, "created_at": "2026-11-27T10:00:00.123456+00:00"},
    {"event_id": "0d2b7f3a-1c4e-4f6b-8a9d-2e3f4a5b6c7d", "user_id": "u1", "role": "bass",
     "request": None, "params": {}, "seed": 7, "model_name": "bass", "model_version": "v1",
     "consent": {"training_opt_in": True}, "latency_ms": None,
     "created_at": "2026-11-27T10:00:01+00:00"},
]


def run(fake: FakePostgrest, use: Callable[[SupabaseRemote], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        remote = await SupabaseRemote.connect(URL, KEY, timeout_s=2.0,
                                              transport=httpx.MockTransport(fake))
        try:
            return await use(remote)
        finally:
            await remote.close()

    return asyncio.run(main())


def prefer(request: httpx.Request) -> set[str]:
    return {p.strip() for p in request.headers["prefer"].split(",")}


def assert_auth(request: httpx.Request) -> None:
    assert request.headers["apikey"] == KEY
    assert request.headers["authorization"] == f"Bearer {KEY}"


# --- the requests ---------------------------------------------------------------------------------

def test_upsert_sends_one_idempotent_insert():
    fake = FakePostgrest(lambda r: httpx.Response(201))
    run(fake, lambda remote: remote.upsert("generations", ROWS))

    [req] = fake.requests
    assert req.method == "POST"
    assert (req.url.scheme, req.url.host, req.url.path) == ("https", "proj.supabase.co",
                                                            "/rest/v1/generations")
    assert req.url.params["on_conflict"] == "event_id"
    # supabase-py also names the columns (the union of the rows' keys, quoted, in any order).
    assert set(req.url.params["columns"].split(",")) == {f'"{k}"' for k in ROWS[0]}
    assert set(req.url.params) == {"on_conflict", "columns"}
    assert prefer(req) == {"return=minimal", "resolution=ignore-duplicates"}
    assert_auth(req)
    assert req.headers["content-type"] == "application/json"
    assert json.loads(req.content) == ROWS


def test_upsert_of_nothing_sends_nothing():
    fake = FakePostgrest()
    run(fake, lambda remote: remote.upsert("feedback", []))
    assert fake.requests == []


def test_withdraw_deletes_material_and_forgets_requests_with_encoded_filters():
    fake = FakePostgrest(lambda r: httpx.Response(204))
    user, before = "u 1&x=y", "2026-11-27T10:00:00+00:00"
    run(fake, lambda remote: remote.withdraw(user, before))

    assert [(r.method, r.url.path) for r in fake.requests] == [
        ("DELETE", "/rest/v1/training_items"),
        ("DELETE", "/rest/v1/training_batches"),
        ("PATCH", "/rest/v1/generations"),  # the kept requests are forgotten
    ]
    assert json.loads(fake.requests[2].content) == {"request": None}
    for req in fake.requests:
        assert req.url.params.multi_items() == [("user_id", f"eq.{user}"),
                                                ("created_at", f"lte.{before}")]
        # `&`, `=` and `+` are escaped, so neither the user id nor the time can break the query.
        assert req.url.query == (b"user_id=eq.u+1%26x%3Dy"
                                 b"&created_at=lte.2026-11-27T10%3A00%3A00%2B00%3A00")
        assert prefer(req) == {"return=minimal"}
        assert_auth(req)


def test_withdraw_removes_only_that_users_older_training_rows():
    fake = FakePostgrest()
    odd = 'a,b (c) "d" & e=f+g'

    def item(event_id: str, user: str, at: str) -> dict[str, Any]:
        return {"event_id": event_id, "user_id": user, "created_at": at}

    async def use(remote: SupabaseRemote) -> None:
        await remote.upsert("training_items", [item("i1", odd, "2026-01-01T00:00:00+00:00"),
                                               item("i2", odd, "2026-03-01T00:00:00+00:00"),
                                               item("i3", "other", "2026-01-01T00:00:00+00:00")])
        await remote.upsert("training_batches", [item("b1", odd, "2026-01-01T00:00:00+00:00")])
        await remote.upsert("generations", [{**item("g1", odd, "2026-01-01T00:00:00+00:00"),
                                             "request": {"bars": 4}},
                                            {**item("g2", "other", "2026-01-01T00:00:00+00:00"),
                                             "request": {"bars": 2}}])
        await remote.withdraw(odd, "2026-02-01T00:00:00+00:00")

    run(fake, use)
    assert set(fake.tables["training_items"]) == {"i2", "i3"}
    assert fake.tables["training_batches"] == {}
    assert [g["request"] for g in fake.tables["generations"].values()] == [None, {"bars": 2}]


def test_upserting_the_same_batch_twice_stores_each_row_once():
    fake = FakePostgrest()

    async def use(remote: SupabaseRemote) -> None:
        await remote.upsert("generations", ROWS)
        await remote.upsert("generations", ROWS)
        await remote.upsert("generations", ROWS[1:])

    run(fake, use)
    assert len(fake.requests) == 3
    assert fake.tables["generations"] == {row["event_id"]: row for row in ROWS}


def test_connect_configures_a_short_timeout_and_close_closes_it():
    async def main() -> None:
        remote = await SupabaseRemote.connect(URL, KEY, timeout_s=3.5,
                                              transport=httpx.MockTransport(FakePostgrest()))
        assert remote.name == "supabase"
        assert remote._http.timeout == httpx.Timeout(3.5)
        await remote.close()
        assert remote._http.is_closed

    asyncio.run(main())


# --- error mapping -------------------------------------------------------------------------------

HTML_503 = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (201, None, None),
        (200, "[]", None),
        (204, None, None),
        (409, {"code": "23505", "message": "duplicate key value violates unique constraint"}, None),
        (409, {"code": "23503", "message": "violates foreign key constraint"}, RemoteRejected),
        (400, {"code": "PGRST204", "message": "Could not find the 'x' column"}, RemoteRejected),
        (400, {"code": "22P02", "message": "invalid input syntax for type uuid"}, RemoteRejected),
        (401, {"message": "Invalid API key"}, RemoteRejected),
        (403, {"code": "42501", "message": "permission denied"}, RemoteRejected),
        (404, {"code": "PGRST205", "message": "Could not find the table"}, RemoteRejected),
        (422, {"message": "unprocessable"}, RemoteRejected),
        (408, None, RemoteUnavailable),
        (429, {"message": "API rate limit exceeded"}, RemoteUnavailable),
        (500, {"code": "XX000", "message": "internal"}, RemoteUnavailable),
        (502, "<html>Bad Gateway</html>", RemoteUnavailable),
        (503, HTML_503, RemoteUnavailable),
        (503, {"code": "PGRST001", "message": "Database client error"}, RemoteUnavailable),
        (504, None, RemoteUnavailable),
    ],
)
def test_upsert_maps_each_response(status: int, body: Any, expected: type[Exception] | None):
    def respond(request: httpx.Request) -> httpx.Response:
        if isinstance(body, str):
            return httpx.Response(status, text=body, headers={"content-type": "text/html"})
        return httpx.Response(status, json=body) if body is not None else httpx.Response(status)

    fake = FakePostgrest(respond)
    if expected is None:
        run(fake, lambda remote: remote.upsert("feedback", ROWS))
    else:
        with pytest.raises(expected) as info:
            run(fake, lambda remote: remote.upsert("feedback", ROWS))
        assert str(status) in str(info.value)
    assert len(fake.requests) == 1  # sent exactly once: no hidden retry, not even on 503


@pytest.mark.parametrize(
    "error",
    [httpx.RemoteProtocolError, httpx.ConnectError, httpx.ReadError, httpx.WriteError,
     httpx.ReadTimeout, httpx.ConnectTimeout, httpx.PoolTimeout],
)
def test_transport_failures_are_unavailable_and_not_retried(error: type[httpx.TransportError]):
    def respond(request: httpx.Request) -> httpx.Response:
        raise error("connection lost", request=request)

    fake = FakePostgrest(respond)
    with pytest.raises(RemoteUnavailable, match=error.__name__):
        run(fake, lambda remote: remote.upsert("feedback", ROWS))
    assert len(fake.requests) == 1


def test_unexpected_exceptions_become_unavailable():
    def respond(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("boom")

    with pytest.raises(RemoteUnavailable, match="RuntimeError"):
        run(FakePostgrest(respond), lambda remote: remote.upsert("feedback", ROWS))


def test_a_row_json_cannot_carry_is_rejected_without_a_request():
    fake = FakePostgrest()
    with pytest.raises(RemoteRejected):
        run(fake, lambda remote: remote.upsert("generations", [{**ROWS[0], "latency_ms": float("nan")}]))
    assert fake.requests == []


def test_withdraw_maps_errors_and_stops_at_the_first():
    fake = FakePostgrest(lambda r: httpx.Response(503, text=HTML_503))
    with pytest.raises(RemoteUnavailable):
        run(fake, lambda remote: remote.withdraw("u1", "2026-11-27T10:00:00+00:00"))
    assert len(fake.requests) == 1

    fake = FakePostgrest(lambda r: httpx.Response(401, json={"message": "Invalid API key"}))
    with pytest.raises(RemoteRejected):
        run(fake, lambda remote: remote.withdraw("u1", "2026-11-27T10:00:00+00:00"))

    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                        request=request)

    with pytest.raises(RemoteUnavailable):
        run(FakePostgrest(drop), lambda remote: remote.withdraw("u1", "2026-11-27T10:00:00+00:00"))


def test_concurrent_calls_each_see_their_own_status():
    # The status is remembered per task: a 429 on one table must not turn into a rejection, nor
    # a 400 on another into "try again", when both are in flight at once.
    async def respond(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/feedback"):
            await asyncio.sleep(0.01)  # answer after the other one
            return httpx.Response(429, json={"message": "API rate limit exceeded"})
        return httpx.Response(400, json={"code": "PGRST204", "message": "no such column"})

    async def main() -> list[Any]:
        remote = await SupabaseRemote.connect(URL, KEY, transport=httpx.MockTransport(respond))
        try:
            return await asyncio.gather(remote.upsert("feedback", ROWS),
                                        remote.upsert("generations", ROWS),
                                        return_exceptions=True)
        finally:
            await remote.close()

    feedback, generations = asyncio.run(main())
    assert isinstance(feedback, RemoteUnavailable)
    assert isinstance(generations, RemoteRejected)
