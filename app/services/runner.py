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
    def __init__(self, workers: int, max_queued: int):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inference")
        self._capacity = workers + max_queued
        self._in_flight = 0
        self._lock = threading.Lock()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def run(self, fn: Callable[[], T]) -> T:
        with self._lock:
            if self._in_flight >= self._capacity:
                raise Overloaded(f"{self._in_flight} generations in progress; try again shortly")
            self._in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, fn)
        finally:
            with self._lock:
                self._in_flight -= 1

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
