"""What the outbox worker needs from a remote log, and how a remote says it failed."""

from typing import Any, Protocol


class RemoteUnavailable(Exception):
    """Transient: unreachable, timed out, 5xx, 429. The event is retried with backoff."""


class RemoteRejected(Exception):
    """Permanent for this row (bad column, constraint other than a duplicate event_id): retried
    alone with backoff until dead-lettered, so it never holds back the rows around it."""


class Remote(Protocol):
    name: str

    async def upsert(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Insert `rows` (plain JSON values; JSON columns as dicts/lists; times as ISO strings)
        into `table`, skipping any whose `event_id` is already there: delivering twice is a no-op."""
        ...

    async def withdraw(self, user_id: str, before: str) -> None:
        """Consent withdrawn: delete the user's training material (training_items,
        training_batches) created at or before `before` (ISO time), and forget the requests kept
        with their generations up to then (`generations.request` to null). Idempotent."""
        ...

    async def close(self) -> None: ...
