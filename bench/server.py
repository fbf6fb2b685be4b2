"""What the benchmark scripts share: the real server in a subprocess, its memory, percentiles."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CONSENT = {"user_id": "bench", "terms_version": "2026-01", "terms_accepted": True}


def start_server(port: int, **env_vars: str) -> subprocess.Popen:
    """`uvicorn app.main:app` on the shipped checkpoints with a throw-away event store (and any
    further settings, e.g. DATABASE_URL)."""
    env = {**os.environ, "DATA_DIR": tempfile.mkdtemp(prefix="bench-"),
           "LEGAL_GENERATION_LIMIT": "1000000", "MODEL_DIR": str(ROOT / "models"), **env_vars}
    return subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port),
                             "--log-level", "warning"], cwd=ROOT, env=env)


def wait_until_generating(client: httpx.Client, path: str, body: dict, t0: float) -> float:
    """Seconds from `t0` until the server answers `path` with 200."""
    while True:
        try:
            if client.post(path, json=body).status_code == 200:
                return time.perf_counter() - t0
        except httpx.TransportError:
            time.sleep(0.01)
        if time.perf_counter() - t0 > 60:
            raise SystemExit("server did not answer within 60 s")


def timed(client: httpx.Client, path: str, bodies: list[dict]) -> tuple[list[float], list[float]]:
    """Server-side and end-to-end milliseconds of sequential requests (after 10 warm-ups)."""
    for body in bodies[:10]:
        client.post(path, json=body)
    server_ms, e2e_ms = [], []
    for body in bodies:
        s = time.perf_counter()
        r = client.post(path, json=body)
        e2e_ms.append((time.perf_counter() - s) * 1000)
        r.raise_for_status()
        server_ms.append(r.json()["latency_ms"])
    return server_ms, e2e_ms


def rss_mb(pid: int) -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def row(label: str, server_ms: list[float], e2e_ms: list[float]) -> str:
    return (f"| {label} | {pct(server_ms, 50):.1f} | {pct(server_ms, 95):.1f} | "
            f"{pct(e2e_ms, 50):.1f} | {pct(e2e_ms, 95):.1f} | {pct(e2e_ms, 99):.1f} |")


HEADER = ("| {} | server p50 ms | server p95 ms | end-to-end p50 ms | end-to-end p95 ms | "
          "end-to-end p99 ms |\n|---|---|---|---|---|---|")
