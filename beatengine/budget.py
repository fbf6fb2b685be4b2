"""Deadlines for work a client can make expensive (decoding, parsing a MIDI file).

The service runs such work under `deadline(seconds)`; loops over time call `check_deadline()` between
steps, which raises `DeadlineExceeded` once the time is spent, so a request that asks for too much
frees its thread instead of holding it. Outside a deadline `check_deadline()` does nothing (training,
the evaluation and tests run unbounded). A context variable carries the deadline, so nothing has to
be threaded through the call chain.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("deadline", default=None)


class DeadlineExceeded(RuntimeError):
    """The work ran past the deadline it was given."""


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Run the block under a deadline `seconds` from now (None: no deadline)."""
    token = _deadline.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def check_deadline() -> None:
    """Raise DeadlineExceeded when the current deadline has passed (cheap: call it per step)."""
    end = _deadline.get()
    if end is not None and time.monotonic() > end:
        raise DeadlineExceeded("the work ran past its deadline")
