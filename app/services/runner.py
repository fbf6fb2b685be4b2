"""Runs expensive work off the event loop, on a few threads, and never keeps a client waiting long.

A request that cannot start within `queue_wait_s` (all threads busy, the queue ahead of it not
moving) is refused with `Overloaded` (a 503 with Retry-After), as is one arriving while more than
`max_queued` already wait; what starts runs under a deadline of `timeout_s`
(`beatengine.budget`), so one request can hold a thread for that long at most: past it the work
stops and the request gets `TimedOut`, with `timeout_advice` telling the client what to do.
"""

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from app.services.errors import Overloaded, TimedOut
from beatengine.budget import DeadlineExceeded, deadline

T = TypeVar("T")
RETRY_AFTER_S = 1


class InferenceRunner:
    """A thread pool of `workers` plus a queue of `max_queued`; more in flight is refused."""

    def __init__(self, workers: int, max_queued: int, queue_wait_s: float = 1.0,
                 timeout_s: float | None = None, name: str = "inference",
                 timeout_advice: str = "try again"):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._workers = workers
        self._places: asyncio.Semaphore | None = None   # made on the event loop, at first use
        self._capacity = workers + max_queued
        self.queue_wait_s, self.timeout_s = queue_wait_s, timeout_s
        self.timeout_advice = timeout_advice
        self._in_flight = 0
        self._lock = threading.Lock()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def check_capacity(self) -> None:
        """Raise Overloaded now if a new request would be refused (a cheap early answer)."""
        if self._in_flight >= self._capacity:
            raise Overloaded(f"overloaded: {self._in_flight} requests in progress; try again "
                             "shortly", RETRY_AFTER_S)

    async def run(self, fn: Callable[[], T]) -> T:
        """`fn()` on a worker thread under the deadline; Overloaded if it cannot start in time.

        A request waits for one of the `workers` places on the event loop (a semaphore), so the
        work, once it runs, never has to wake the loop to say it started: a wake-up would take the
        GIL from the decoding thread for up to a switch interval, milliseconds of every request."""
        with self._lock:
            self.check_capacity()
            self._in_flight += 1
        loop = asyncio.get_running_loop()
        if self._places is None:
            self._places = asyncio.Semaphore(self._workers)
        places = self._places
        try:
            await asyncio.wait_for(places.acquire(), self.queue_wait_s)
        except BaseException as exc:
            self._release(None)
            if isinstance(exc, TimeoutError):
                raise Overloaded(f"overloaded: could not start within {self.queue_wait_s} s: "
                                 f"{self._in_flight} requests ahead; try again shortly",
                                 RETRY_AFTER_S) from None
            raise

        def task() -> T:
            with deadline(self.timeout_s):
                return fn()

        def done(_future: object) -> None:
            # The place is freed when the work itself ends, not when the awaiting request gives up.
            self._release(None)
            loop.call_soon_threadsafe(places.release)

        future = self._pool.submit(task)
        future.add_done_callback(done)
        try:
            return await asyncio.wrap_future(future)
        except DeadlineExceeded as exc:
            raise TimedOut(f"the request ran past its {self.timeout_s} s deadline and was stopped; "
                           f"{self.timeout_advice}", RETRY_AFTER_S) from exc

    def _release(self, _future: object) -> None:
        with self._lock:
            self._in_flight -= 1

    def shutdown(self) -> None:
        """Let running work finish (it still writes to the event store), drop queued work."""
        self._pool.shutdown(wait=True, cancel_futures=True)
