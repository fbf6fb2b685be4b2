"""Runs inference off the event loop, on a few threads, and refuses work when overloaded."""

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class Overloaded(RuntimeError):
    """More requests are waiting than the service accepts; answered with 503 at once."""


class InferenceRunner:
    """A thread pool of `workers` plus a queue of `max_queued`; more in flight is refused."""

    def __init__(self, workers: int, max_queued: int):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inference")
        self._capacity = workers + max_queued
        self._in_flight = 0
        self._lock = threading.Lock()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def check_capacity(self) -> None:
        """Raise Overloaded now if a new request would be refused (a cheap early answer)."""
        if self._in_flight >= self._capacity:
            raise Overloaded(f"{self._in_flight} generations in progress; try again shortly")

    async def run(self, fn: Callable[[], T]) -> T:
        with self._lock:
            self.check_capacity()
            self._in_flight += 1
        # The slot is freed when the work itself ends, not when the awaiting request gives up.
        future = self._pool.submit(fn)
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def _release(self, _future: object) -> None:
        with self._lock:
            self._in_flight -= 1

    def shutdown(self) -> None:
        """Let running generations finish (they still write to the event store), drop queued ones."""
        self._pool.shutdown(wait=True, cancel_futures=True)
