"""The remote log on Postgres over a direct connection (`DATABASE_URL`; Supabase offers one), with
psycopg 3. One connection, reopened after a failure; every call has a deadline."""

import asyncio
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from eventlog.remote import RemoteRejected, RemoteUnavailable
from eventlog.schema import JSON_COLUMNS, MATERIAL_TABLES, TABLES


class PostgresRemote:
    name = "postgres"

    def __init__(self, url: str, timeout_s: float = 10.0):
        self.url, self.timeout_s = url, timeout_s
        self._conn: psycopg.AsyncConnection | None = None

    async def _connection(self) -> psycopg.AsyncConnection:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(
                self.url, connect_timeout=max(1, int(self.timeout_s)),
                options=f"-c statement_timeout={int(self.timeout_s * 1000)}")
        return self._conn

    async def _run(self, statements: list[tuple[sql.Composable, list[list[Any]]]]) -> None:
        """Each (statement, parameter rows) in one transaction; errors mapped for the outbox."""
        try:
            async with asyncio.timeout(self.timeout_s * 2):
                conn = await self._connection()
                async with conn.transaction(), conn.cursor() as cur:
                    for statement, params in statements:
                        await cur.executemany(statement, params)
        except (psycopg.OperationalError, psycopg.InterfaceError, TimeoutError, OSError) as exc:
            await self._drop()
            raise RemoteUnavailable(f"{type(exc).__name__}: {exc}".strip()) from exc
        except psycopg.Error as exc:  # the row or schema is wrong: retrying will not help soon
            raise RemoteRejected(f"{exc.sqlstate}: {exc}".strip()) from exc

    async def upsert(self, table: str, rows: list[dict[str, Any]]) -> None:
        if table not in TABLES:
            raise RemoteRejected(f"unknown table {table!r}")
        cols = [c for c in TABLES[table] if any(c in r for r in rows)]
        statement = sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (event_id) DO NOTHING").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, cols)),
            sql.SQL(", ").join(sql.Placeholder() * len(cols)))
        params = [[Jsonb(r.get(c)) if c in JSON_COLUMNS and r.get(c) is not None else r.get(c)
                   for c in cols] for r in rows]
        await self._run([(statement, params)])

    async def withdraw(self, user_id: str, before: str) -> None:
        statements = [(sql.SQL("DELETE FROM {} WHERE user_id = %s AND created_at <= %s").format(
            sql.Identifier(t)), [[user_id, before]]) for t in MATERIAL_TABLES]
        statements.append((sql.SQL("UPDATE generations SET request = NULL WHERE user_id = %s AND "
                                   "created_at <= %s"), [[user_id, before]]))
        await self._run(statements)

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except Exception:  # already broken; nothing more to release
                pass

    async def close(self) -> None:
        await self._drop()
