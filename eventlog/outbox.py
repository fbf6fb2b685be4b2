"""The delivery worker: takes due events from the local outbox, oldest first, and delivers them to
the remote log with idempotent upserts.

- Due events of one table go in one request (`OUTBOX_BATCH` at most); a withdrawal of consent
  keeps its place in the order (`runs`).
- The remote unreachable (`RemoteUnavailable`): the events tried count an attempt and wait out a
  jittered exponential backoff; the worker stops the pass (the rest would fail the same way) and
  sleeps until the next event is due. Nothing else is tried meanwhile, so an outage only spends the
  attempts of the events at the head of the queue.
- A batch the remote refuses (`RemoteRejected`) is split into single events, so one bad row cannot
  hold back the others; a refused single event backs off like any failure.
- A row the remote refuses `max_attempts` times is dead-lettered: kept locally, counted in /health
  and the metrics, and requeued with `python -m eventlog.requeue`. An outage never dead-letters
  (the rows are fine and wait, retried at most `backoff_cap_s` apart), nor does anything about
  consent (withdrawals and consent events).
- State lives in SQLite, so a restart resumes where it stopped; an event delivered just before a
  crash is sent again and the remote ignores the duplicate `event_id`.
- Several worker processes share one store (`uvicorn --workers N`), and one delivers at a time: a
  pass starts by taking the store's lease (free, expired, or ours), every send first renews it
  and reads its events again (`EventStore.claim`: an event a withdrawal removed is not sent), and
  a drained queue releases it. A holder that dies (kill -9) is taken over once the lease expires
  (`lease_s`). No send outlives the lease: each has a deadline of `send_deadline_s` (less than
  `lease_s`), so a send can never overlap with the next holder's. An event committed by one
  process while another delivers is sent by that holder's pass, or by the next poll.
- The figures (delivered, failures, last error) are kept in the store, so every process reports
  the same ones.
"""

import asyncio
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass

from eventlog.remote import Remote, RemoteRejected, RemoteUnavailable
from eventlog.store import DeliveryStats, EventStore, OutboxEvent, backoff_s

log = logging.getLogger(__name__)


@dataclass
class OutboxPolicy:
    max_attempts: int = 20
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 900.0
    batch: int = 200
    poll_s: float = 2.0
    # How long the delivery lease lasts unrenewed (how soon a dead holder is taken over), and the
    # longest one send may take: below the lease, above the remotes' own deadlines (Postgres: 20 s).
    lease_s: float = 60.0
    send_deadline_s: float = 40.0


class _LeaseLost(Exception):
    """Another process holds the delivery lease now: stop this pass."""


def runs(events: list[OutboxEvent], limit: int) -> list[list[OutboxEvent]]:
    """Upserts grouped by table (at most `limit` each), oldest group first. The tables have no
    foreign keys, so upserts need no order among themselves; a withdrawal does: it goes alone,
    after everything queued before it and before everything queued after it."""
    out: list[list[OutboxEvent]] = []
    segment: dict[str, list[list[OutboxEvent]]] = {}

    def flush() -> None:
        out.extend(group for groups in segment.values() for group in groups)
        segment.clear()

    for e in events:
        if e.op != "upsert":
            flush()
            out.append([e])
            continue
        groups = segment.setdefault(e.table, [[]])
        if len(groups[-1]) >= limit:
            groups.append([])
        groups[-1].append(e)
    flush()
    return out


class OutboxWorker:
    def __init__(self, store: EventStore, remote: Remote, policy: OutboxPolicy):
        self.store, self.remote, self.policy = store, remote, policy
        if policy.send_deadline_s >= policy.lease_s:
            raise ValueError("send_deadline_s must be below lease_s: a send must not outlive the "
                             "lease")
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._down_streak = 0        # consecutive passes that found the remote unavailable
        self._paused_until = 0.0     # no delivery before this (time.time()) while it is down

    @property
    def stats(self) -> DeliveryStats:
        """The store's figures: the same whichever process delivered."""
        return self.store.delivery_stats()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox")

    def wake(self) -> None:
        """A new event was committed: deliver it now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await asyncio.to_thread(self.store.release_lease, self.holder)

    async def _run(self) -> None:
        while True:
            try:
                await self.deliver_due()
            except Exception:  # a bug must not end delivery for good (cancelling still does)
                log.exception("outbox pass failed")
                await asyncio.sleep(self.policy.poll_s)  # and must not spin on it either
            await self._sleep()

    async def _sleep(self) -> None:
        # The remote is down: new events must not wake us into hammering it. The lease stays
        # ours meanwhile, so that no other process starts hammering it either.
        while (pause := self._paused_until - time.time()) > 0:
            await asyncio.sleep(min(pause, self.policy.lease_s / 3))
            if not await asyncio.to_thread(self.store.take_lease, self.holder, time.time(),
                                           self.policy.lease_s):
                return
        next_due = await asyncio.to_thread(self.store.next_due)
        wait = self.policy.poll_s
        if next_due is not None:
            wait = min(wait, max(0.0, next_due - time.time()))
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=max(wait, 0.01))
        except TimeoutError:
            pass

    async def deliver_due(self) -> int:
        """One pass over the due events, if this process may deliver (it holds the lease, or can
        take it); how many were delivered."""
        if not await asyncio.to_thread(self.store.take_lease, self.holder, time.time(),
                                       self.policy.lease_s):
            return 0  # another process is delivering
        delivered = 0
        try:
            while time.time() >= self._paused_until:
                events = await asyncio.to_thread(self.store.due_events, time.time(),
                                                 self.policy.batch * 4)
                if not events:
                    break
                for run in runs(events, self.policy.batch):
                    ok = await self._deliver(run)
                    if ok is None:  # remote down: stop the pass; keep the lease through the
                        return delivered  # backoff, so that no other process hammers it
                    delivered += ok
        except _LeaseLost:  # another process delivers now (releasing below leaves its lease alone)
            pass
        # Drained: let go, so that whichever process commits the next event delivers it at once.
        await asyncio.to_thread(self.store.release_lease, self.holder)
        return delivered

    async def _deliver(self, run: list[OutboxEvent]) -> int | None:
        """Delivered count, or None when the remote is unavailable (_LeaseLost when another
        process holds the lease now)."""
        live = await asyncio.to_thread(self.store.claim, self.holder, [e.seq for e in run],
                                       time.time(), self.policy.lease_s)
        if live is None:
            raise _LeaseLost
        run = [e for e in run if e.seq in live]
        if not run:  # a withdrawal took them out of the queue since they were read
            return 0
        try:
            await self._send(run)
        except RemoteUnavailable as exc:
            await self._failed(run, "unavailable", exc, rejected=False)
            p = self.policy
            self._down_streak += 1
            self._paused_until = time.time() + backoff_s(self._down_streak, p.backoff_base_s,
                                                         p.backoff_cap_s)
            return None
        except RemoteRejected as exc:
            if len(run) == 1:
                await self._failed(run, "rejected", exc, rejected=True)
                return 0
            delivered = 0
            for e in run:  # find the bad row(s); the rest go through
                ok = await self._deliver([e])
                if ok is None:
                    return None
                delivered += ok
            return delivered
        self._down_streak = 0
        await asyncio.to_thread(self.store.mark_delivered, [e.seq for e in run])
        return len(run)

    async def _send(self, run: list[OutboxEvent]) -> None:
        first = run[0]
        try:
            async with asyncio.timeout(self.policy.send_deadline_s):
                if first.op == "withdraw":
                    await self.remote.withdraw(first.payload["user_id"], first.payload["before"])
                else:
                    await self.remote.upsert(first.table, [e.payload for e in run])
        except TimeoutError as exc:
            raise RemoteUnavailable(f"no answer within {self.policy.send_deadline_s} s") from exc

    async def _failed(self, run: list[OutboxEvent], kind: str, exc: Exception,
                      rejected: bool) -> None:
        p = self.policy
        error = f"{kind}: {exc}"
        # /health is public: it shows what failed, not the message (which can hold row content or
        # connection details); the full text is in the outbox row and the log.
        cause = getattr(exc.__cause__, "sqlstate", None) or type(exc.__cause__ or exc).__name__
        dead = await asyncio.to_thread(self.store.mark_failed, run, error, time.time(),
                                       p.max_attempts, p.backoff_base_s, p.backoff_cap_s,
                                       rejected, f"{kind} ({cause}) delivering to {run[0].table}")
        log.warning("outbox: %d event(s) for %s not delivered (%s)%s", len(run), run[0].table,
                    error, f"; {dead} dead-lettered" if dead else "")
