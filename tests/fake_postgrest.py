"""A fake PostgREST for httpx.MockTransport: no PostgREST server can be installed here."""

import json
from collections.abc import Callable
from typing import Any

import httpx


class FakePostgrest:
    """Records every request; answers with `respond(request)` if given, else behaves like
    PostgREST over an in-memory store keyed by event_id."""

    def __init__(self, respond: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.respond = respond
        self.requests: list[httpx.Request] = []
        self.tables: dict[str, dict[str, dict[str, Any]]] = {}
        self.down = False  # True: every request fails as if the host were unreachable

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused (fake PostgREST is down)", request=request)
        self.requests.append(request)
        if self.respond is not None:
            return self.respond(request)
        table = self.tables.setdefault(request.url.path.removeprefix("/rest/v1/"), {})
        if request.method == "POST":
            ignore = "resolution=ignore-duplicates" in request.headers.get("prefer", "")
            for row in json.loads(request.content):
                if row["event_id"] in table:
                    if ignore:
                        continue  # ON CONFLICT (event_id) DO NOTHING
                    return httpx.Response(409, json={"code": "23505", "message": "duplicate key"})
                table[row["event_id"]] = row
            return httpx.Response(201)
        if request.method in ("DELETE", "PATCH"):
            # Only the two filters withdraw uses; `+` in a query string is a space, as in PostgREST.
            user = request.url.params["user_id"].removeprefix("eq.")
            before = request.url.params["created_at"].removeprefix("lte.")
            for event_id, row in list(table.items()):
                if row["user_id"] == user and row["created_at"] <= before:
                    if request.method == "DELETE":
                        del table[event_id]
                    else:
                        row.update(json.loads(request.content))
            return httpx.Response(204)
        return httpx.Response(405)
