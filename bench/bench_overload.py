"""Overload against the real server: no client waits long for an answer.

    python bench/bench_overload.py [--clients 64] [--seconds 20] [--port 8766]

`--clients` clients each send 64-bar x 8-variation drum requests back to back for `--seconds`
(the hostile load of issue 11: it used to queue requests for up to 31 s). Reports how many got 200
and 503, the latency of each kind (p50, p99, max: a 503 must come within MAX_QUEUE_WAIT_S, with a
Retry-After), and, measured meanwhile, a 1-bar drum request and /health sent by one more client.
Prints a Markdown table.
"""

import argparse
import asyncio
import os
import platform
import time

import httpx
import numpy as np
from server import CONSENT, rss_mb, start_server, wait_until_generating


async def heavy_client(client: httpx.AsyncClient, i: int, until: float, out: list) -> None:
    body = {"consent": CONSENT, "genre": "trap", "bars": 64, "variations": 8}
    k = 0
    while time.perf_counter() < until:
        s = time.perf_counter()
        try:
            r = await client.post("/generate/drums", json={**body, "seed": 1000 * i + k})
        except httpx.TransportError as exc:   # a dropped connection is an answer too: count it
            out.append((type(exc).__name__, (time.perf_counter() - s) * 1000, None))
            continue
        out.append((r.status_code, (time.perf_counter() - s) * 1000, r.headers.get("retry-after")))
        k += 1
        if r.status_code == 503:
            await asyncio.sleep(float(r.headers.get("retry-after", 1)))


async def probe_client(client: httpx.AsyncClient, until: float, out: list) -> None:
    body = {"consent": CONSENT, "genre": "trap", "bars": 1}
    while time.perf_counter() < until:
        s = time.perf_counter()
        r = await client.post("/generate/drums", json=body)
        t = (time.perf_counter() - s) * 1000
        s = time.perf_counter()
        h = await client.get("/health")
        out.append((r.status_code, t, h.status_code, (time.perf_counter() - s) * 1000))
        await asyncio.sleep(0.2)


async def run(url: str, clients: int, seconds: float) -> tuple[list, list]:
    heavy: list = []
    probes: list = []
    until = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=url, timeout=120,
                                 limits=httpx.Limits(max_connections=clients + 4)) as client:
        await asyncio.gather(*(heavy_client(client, i, until, heavy) for i in range(clients)),
                             probe_client(client, until, probes))
    return heavy, probes


def stats(ms: list[float]) -> str:
    if not ms:
        return "- | - | -"
    return f"{np.percentile(ms, 50):.0f} | {np.percentile(ms, 99):.0f} | {max(ms):.0f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--port", type=int, default=8766)
    ap.add_argument("--queue-wait", type=float, help="the server's MAX_QUEUE_WAIT_S (default: its)")
    args = ap.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    server = start_server(args.port, **({"MAX_QUEUE_WAIT_S": str(args.queue_wait)}
                                        if args.queue_wait else {}))
    try:
        with httpx.Client(base_url=url, timeout=30) as c:
            wait_until_generating(c, "/generate/drums", {"consent": CONSENT, "bars": 1},
                                  time.perf_counter())
        rss_before = rss_mb(server.pid)[0]
        heavy, probes = asyncio.run(run(url, args.clients, args.seconds))
        rss_after, peak = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    ok = [ms for code, ms, _ in heavy if code == 200]
    busy = [ms for code, ms, _ in heavy if code == 503]
    other = sorted({code for code, _, _ in heavy if code not in (200, 503)})
    missing_retry = sum(1 for code, _, ra in heavy if code == 503 and ra is None)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {args.clients} clients x 64-bar x 8-variation drum "
          f"requests for {args.seconds:.0f} s\n")
    print("| answer | count | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|")
    print(f"| 200 | {len(ok)} | {stats(ok)} |")
    print(f"| 503 (Retry-After missing: {missing_retry}) | {len(busy)} | {stats(busy)} |")
    probe_ok = [t for code, t, _, _ in probes if code == 200]
    print(f"| probe: 1-bar drums, 200 ({len(probe_ok)} of {len(probes)}) | {len(probe_ok)} | "
          f"{stats(probe_ok)} |")
    print(f"| probe: /health | {len(probes)} | {stats([h for *_, h in probes])} |")
    print(f"\nother statuses: {other or 'none'}; server RSS {rss_before:.0f} MB before, "
          f"{rss_after:.0f} MB after (peak {peak:.0f} MB)")


if __name__ == "__main__":
    main()
