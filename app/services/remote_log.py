"""The remote event log the settings ask for, and its delivery worker."""

from app.core.config import Settings
from eventlog.outbox import OutboxPolicy
from eventlog.remote import Remote


async def open_remote(settings: Settings) -> Remote | None:
    """Postgres (DATABASE_URL), Supabase's REST API (SUPABASE_URL + SUPABASE_SERVICE_KEY), or None
    (the embedded SQLite store only). Opening makes no request: a remote that is down at start-up
    only delays delivery."""
    backend = settings.remote_backend
    if backend == "postgres":
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        from eventlog.postgres_remote import PostgresRemote

        if settings.DATABASE_URL is None:
            raise ValueError("EVENT_BACKEND=postgres needs DATABASE_URL")
        url = settings.DATABASE_URL.get_secret_value()
        try:  # a malformed URL is a configuration error: fail now, not as a dead letter per event
            conninfo_to_dict(url)
        except psycopg.ProgrammingError:
            raise ValueError("DATABASE_URL is not a valid Postgres connection string") from None
        return PostgresRemote(url)
    if backend == "supabase":
        from eventlog.supabase_remote import SupabaseRemote

        if not settings.SUPABASE_URL or settings.SUPABASE_SERVICE_KEY is None:
            raise ValueError("EVENT_BACKEND=supabase needs SUPABASE_URL and SUPABASE_SERVICE_KEY")
        return await SupabaseRemote.connect(settings.SUPABASE_URL,
                                            settings.SUPABASE_SERVICE_KEY.get_secret_value())
    return None


def outbox_policy(settings: Settings) -> OutboxPolicy:
    return OutboxPolicy(max_attempts=settings.OUTBOX_MAX_ATTEMPTS,
                        backoff_base_s=settings.OUTBOX_BACKOFF_BASE_S,
                        backoff_cap_s=settings.OUTBOX_BACKOFF_CAP_S, batch=settings.OUTBOX_BATCH,
                        poll_s=settings.OUTBOX_POLL_S)
