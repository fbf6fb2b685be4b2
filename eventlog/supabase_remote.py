"""The Supabase backend of the remote event log: PostgREST over the official async client.

The library builds the PostgREST requests (URL, filters, `Prefer`, JSON body); this module owns
the HTTP client (short timeout, HTTP/1.1, no retries) and maps every failure onto the two
exceptions the outbox worker understands (`RemoteUnavailable`: retry later; `RemoteRejected`:
this row is bad).
"""

import json
from contextvars import ContextVar
from typing import Any

import httpx
from postgrest import APIError
from postgrest.types import ReturnMethod
from supabase import AsyncClient, AsyncClientOptions, acreate_client

from eventlog.remote import RemoteRejected, RemoteUnavailable

# postgrest's APIError carries PostgREST's error code (a SQLSTATE such as 23505, or PGRSTnnn) but
# not the HTTP status, and the status is what tells a transient failure (429, 503) from a
# permanent one; a gateway's 429/503 may even have a JSON body without a code. An httpx response
# hook records the status here. A ContextVar is per task, so concurrent calls don't mix it up.
_last_status: ContextVar[int | None] = ContextVar("supabase_last_status", default=None)


async def _record_status(response: httpx.Response) -> None:
    _last_status.set(response.status_code)


def _is_transient(status: int) -> bool:
    return status in (408, 429) or status >= 500


class SupabaseRemote:
    name = "supabase"

    def __init__(self, client: AsyncClient, http: httpx.AsyncClient) -> None:
        self._client = client
        self._http = http

    @classmethod
    async def connect(
        cls,
        url: str,
        service_key: str,
        *,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> "SupabaseRemote":
        """One client for the app's lifetime (a client per request leaks connections).

        `service_key` may be an opaque `sb_secret_...` key, not a JWT: it is only ever sent, as
        the `apikey` header and as `Authorization: Bearer <key>` (the library sets both from it).
        """
        # Our own httpx client: the library's default waits 120 s and speaks HTTP/2, whose reused
        # connections get dropped; the outbox worker does its own (idempotent) retries instead.
        http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            http2=False,
            transport=transport,
            event_hooks={"response": [_record_status]},
        )
        options = AsyncClientOptions(
            httpx_client=http,
            # The library only retries GET/HEAD, never our POST/DELETE; off so it stays that way.
            postgrest_client_retry=False,
            # A service-key client never signs a user in: nothing to refresh or persist.
            auto_refresh_token=False,
            persist_session=False,
        )
        try:
            client = await acreate_client(url, service_key, options=options)
        except BaseException:
            await http.aclose()
            raise
        return cls(client, http)

    async def upsert(self, table: str, rows: list[dict[str, Any]]) -> None:
        """POST /rest/v1/<table>?on_conflict=event_id with
        `Prefer: return=minimal,resolution=ignore-duplicates`: INSERT ... ON CONFLICT (event_id)
        DO NOTHING, so delivering a row twice is a no-op."""
        if not rows:
            return
        # A value JSON can't carry (NaN, a set) is a defect of the row, not of the remote: reject
        # it so the worker isolates the row instead of retrying the whole batch forever.
        try:
            json.dumps(rows, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise RemoteRejected(f"{table}: row is not JSON: {e}") from e
        query = self._client.table(table).upsert(
            rows,
            on_conflict="event_id",
            ignore_duplicates=True,
            returning=ReturnMethod.minimal,
        )
        await self._execute(f"upsert {table}", query)

    async def withdraw(self, user_id: str, before: str) -> None:
        """DELETE the user's training_items, then training_batches, created at or before `before`,
        then PATCH their generations up to then to forget the kept request. Filters go through
        the query string (httpx encodes it); doing it again is a no-op."""
        for table in ("training_items", "training_batches"):
            query = (
                self._client.table(table)
                .delete(returning=ReturnMethod.minimal)
                .eq("user_id", user_id)
                .lte("created_at", before)
            )
            await self._execute(f"withdraw {table}", query)
        forget = (self._client.table("generations")
                  .update({"request": None}, returning=ReturnMethod.minimal)
                  .eq("user_id", user_id)
                  .lte("created_at", before))
        await self._execute("withdraw generations.request", forget)

    async def close(self) -> None:
        # The supabase client holds no connections of its own: they are all in our httpx client.
        await self._http.aclose()

    async def _execute(self, what: str, query: Any) -> None:
        """Run one request; return on success, else raise RemoteUnavailable or RemoteRejected."""
        _last_status.set(None)
        try:
            await query.execute()
        except APIError as e:
            status = _last_status.get()
            detail = f"{what}: HTTP {status} code={e.code} {e.message or ''}".strip()
            if status is None or _is_transient(status):
                raise RemoteUnavailable(detail) from e
            if status == 409 and e.code == "23505":
                # Unique violation: the row is already there (event_id is each table's only
                # unique key), which is what delivering it meant.
                return
            raise RemoteRejected(detail) from e
        except httpx.TransportError as e:
            # Timeouts, connect errors, dropped connections (RemoteProtocolError, ReadError, ...).
            raise RemoteUnavailable(f"{what}: {type(e).__name__}: {e}") from e
        except Exception as e:
            # The worker only understands the two exceptions; anything else is retried later.
            raise RemoteUnavailable(f"{what}: unexpected {type(e).__name__}: {e}") from e
