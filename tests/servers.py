"""The real server in a subprocess, for tests of what only a real server shows (slow clients,
several worker processes)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def uvicorn_server(data_dir: Path, *args: str, log: Path | None = None, **env: str
                   ) -> Iterator[tuple[int, subprocess.Popen]]:
    """`uvicorn app.main:app` on a free loopback port with the shipped models, `data_dir` for
    its store, further uvicorn `args` and settings `env`; yields (port, process) once /health
    answers, and stops it after."""
    port = free_port()
    out = log.open("wb") if log is not None else None
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port",
         str(port), "--log-level", "warning", *args], cwd=ROOT,
        env={**os.environ, "MODEL_DIR": str(ROOT / "models"), "DATA_DIR": str(data_dir), **env},
        stdout=out, stderr=subprocess.STDOUT if out else None)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("the server did not start")
            time.sleep(0.1)
        yield port, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if out is not None:
            out.close()
