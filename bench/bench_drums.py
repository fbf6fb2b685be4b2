"""Benchmark /generate/drums against the real server.

    python bench/bench_drums.py [--requests 200] [--port 8765]

Starts `uvicorn app.main:app` on the shipped checkpoints with a throw-away event store, then measures:
cold start (process spawn to the first answered generation), server-side (`latency_ms`) and
end-to-end latency over `--requests` sequential requests of 8 bars with 1 and with 4 variations,
the server's resident memory (RSS, and its peak), and a burst of heavy requests that fills the
inference queue: probes sent while it is full must get 503 at once and /health must keep
answering. Prints a Markdown table.
"""

import argparse
import asyncio
import os
import platform
import time

import httpx
import numpy as np
from server import CONSENT, HEADER, row, rss_mb, start_server, timed, wait_until_generating


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--bars", type=int, default=8)
    args = ap.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    t0 = time.perf_counter()
    server = start_server(args.port)
    try:
        body = {"consent": CONSENT, "genre": "trap", "bars": args.bars, "seed": 0}
        with httpx.Client(base_url=url, timeout=30) as client:
            cold = wait_until_generating(client, "/generate/drums", body, t0)
            genres = ["trap", "house", "rock", "funk", "boom_bap", "drum_and_bass", "jazz", "techno"]
            rows = [(variations, *timed(client, "/generate/drums", [
                {**body, "genre": genres[i % len(genres)], "seed": i, "variations": variations}
                for i in range(args.requests)])) for variations in (1, 4)]
            rss, peak = rss_mb(server.pid)
        burst = asyncio.run(overload_burst(url, body))
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {args.requests} sequential requests per row, "
          f"{args.bars} bars, mixed genres\n")
    print(HEADER.format("variations"))
    for variations, server_ms, e2e_ms in rows:
        print(row(str(variations), server_ms, e2e_ms))
    print(f"\ncold start to first answered generation: {cold:.2f} s")
    print(f"server RSS after the runs: {rss:.0f} MB (peak {peak:.0f} MB)")
    print(f"overload: {burst['heavy']} concurrent 64-bar x 8-variation requests "
          f"({burst['heavy_ok']} x 200, {burst['heavy_busy']} x 503); while they ran, "
          f"{burst['probe_503']} of {burst['probes']} probe requests got 503 in "
          f"{burst['busy_p50_ms']:.1f} ms median ({burst['busy_max_ms']:.1f} max) and /health "
          f"answered in {burst['health_p50_ms']:.1f} ms median ({burst['health_max_ms']:.1f} max)")


async def overload_burst(url: str, body: dict, heavy: int = 24, probes: int = 20) -> dict:
    """Fill the inference queue with heavy requests (64 bars x 8 variations), then time probe
    requests one by one while it is full: each must be refused with 503 at once, and /health must
    keep answering (inference runs off the event loop)."""
    async with httpx.AsyncClient(base_url=url, timeout=120,
                                 limits=httpx.Limits(max_connections=heavy + 4)) as client:
        load = [asyncio.ensure_future(client.post("/generate/drums", json={
            **body, "bars": 64, "variations": 8, "seed": i})) for i in range(heavy)]
        await asyncio.sleep(0.5)
        busy_ms, health_ms, codes = [], [], []
        for _ in range(probes):
            s = time.perf_counter()
            r = await client.post("/generate/drums", json=body)
            codes.append(r.status_code)
            busy_ms.append((time.perf_counter() - s) * 1000)
            s = time.perf_counter()
            (await client.get("/health")).raise_for_status()
            health_ms.append((time.perf_counter() - s) * 1000)
        done = [r.status_code for r in await asyncio.gather(*load)]
    return {"heavy": heavy, "heavy_ok": done.count(200), "heavy_busy": done.count(503),
            "probes": probes, "probe_503": codes.count(503),
            "busy_p50_ms": float(np.median(busy_ms)), "busy_max_ms": max(busy_ms),
            "health_p50_ms": float(np.median(health_ms)), "health_max_ms": max(health_ms)}


if __name__ == "__main__":
    main()
