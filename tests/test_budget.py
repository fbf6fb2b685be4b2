"""Work under a budget: the queue refuses what cannot start in time, a generation past its
deadline is stopped, slow clients are cut off, and GET /models hashes nothing per call."""

import asyncio
import socket
import threading
import time
from pathlib import Path

import pytest

from app.services.errors import Overloaded
from app.services.runner import InferenceRunner
from beatengine import checkpoints as registry
from tests.conftest import CONSENT, make_client
from tests.servers import uvicorn_server


def test_a_request_that_cannot_start_in_time_is_refused_and_frees_its_place():
    async def scenario():
        runner = InferenceRunner(workers=1, max_queued=4, queue_wait_s=0.2)
        gate = threading.Event()
        first = asyncio.ensure_future(runner.run(gate.wait))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        with pytest.raises(Overloaded, match="could not start within 0.2 s"):
            await runner.run(lambda: "never")
        waited = time.monotonic() - started
        assert 0.15 < waited < 1.0
        assert runner.in_flight == 1          # the refused request holds no place
        gate.set()
        assert await first is True
        assert await runner.run(lambda: "next") == "next"
        assert runner.in_flight == 0
        runner.shutdown()
    asyncio.run(scenario())


def test_a_generation_past_its_deadline_gets_503_and_is_not_counted(tmp_path):
    with make_client(tmp_path, GENERATION_TIMEOUT_S=0.001, LEGAL_GENERATION_LIMIT=1) as c:
        body = {"consent": CONSENT, "genre": "trap", "bars": 64, "variations": 8, "seed": 1}
        started = time.monotonic()
        r = c.post("/generate/drums", json=body)
        assert time.monotonic() - started < 2.0
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        assert "deadline" in r.json()["detail"]
        health = c.get("/health").json()
        assert health["generations_in_flight"] == 0 and health["event_store"]["generations"] == 0
        services = c.app.state.services
        assert services.store.rows("generations") == []   # the reservation was released


def test_models_listing_hashes_nothing_after_start_up(tmp_path, monkeypatch):
    with make_client(tmp_path) as c:
        first = c.get("/models").json()
        hashed: list[Path] = []
        real = registry.sha256_file
        monkeypatch.setattr(registry, "sha256_file", lambda p: hashed.append(p) or real(p))
        for _ in range(3):
            assert c.get("/models").json() == first
        assert hashed == []


@pytest.fixture
def timed_server(tmp_path):
    """The real server, as scripts/run.sh starts it, with short header and body deadlines."""
    with uvicorn_server(tmp_path / "data", "--http", "app.core.http:TimedHttpToolsProtocol",
                        HEADER_TIMEOUT_S="0.5", BODY_TIMEOUT_S="0.5") as (port, _):
        yield port


def _closed_within(sock: socket.socket, seconds: float) -> bytes | None:
    """What the server sent before closing the connection, or None if it stayed open."""
    sock.settimeout(seconds)
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except TimeoutError:
        return None
    return data


def test_slow_clients_are_cut_off(timed_server):
    port = timed_server
    with socket.create_connection(("127.0.0.1", port)) as idle:          # says nothing at all
        assert _closed_within(idle, 3.0) == b""
    with socket.create_connection(("127.0.0.1", port)) as slow:          # half-sent headers
        slow.sendall(b"POST /generate/drums HTTP/1.1\r\nHost: t\r\n")
        assert _closed_within(slow, 3.0) == b""
    with socket.create_connection(("127.0.0.1", port)) as body:          # a body that stalls
        body.sendall(b"POST /generate/drums HTTP/1.1\r\nHost: t\r\ncontent-type: application/json"
                     b"\r\ncontent-length: 100\r\n\r\n{\"consent\":")
        answer = _closed_within(body, 3.0) or b""
        assert answer.startswith(b"HTTP/1.1 408") and b"request_timeout" in answer
    with socket.create_connection(("127.0.0.1", port)) as huge:          # a 100 kB header
        huge.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\nx-pad: " + b"a" * 100_000 + b"\r\n\r\n")
        assert (_closed_within(huge, 3.0) or b"").startswith(b"HTTP/1.1 400")
    with socket.create_connection(("127.0.0.1", port)) as fine:          # a normal client is served
        fine.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\nconnection: close\r\n\r\n")
        assert (_closed_within(fine, 3.0) or b"").startswith(b"HTTP/1.1 200")
