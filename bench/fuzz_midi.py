"""Fuzz MIDI uploads against the real server, then flood it with uploads while timing generation.

    python bench/fuzz_midi.py [--mutants 3000] [--seed 1] [--flood 45] [--port 8768]

1. Sends each seeded mutant of tests/midi_hostile.py (byte flips, truncations, inserted and
   duplicated bytes, chunk-length and header lies, huge varints, absurd meta events, varint bombs)
   to POST /uploads/midi and as a POST /training/batch item; prints the answers by status, the
   slowest request, how many accepted summaries were not sane, and the server's RSS before/after.
2. Floods the server with `--flood` concurrent uploads (varint bombs of 100 kB and 500 kB, then
   valid 500 kB files that really take parsing) while a client times 1-bar drum generations;
   prints the drum latency alone and during each flood, and the uploads' statuses and slowest
   answer.
"""

import argparse
import base64
import json
import os
import platform
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
from server import CONSENT, ROOT, rss_mb, start_server, wait_until_generating

sys.path.insert(0, str(ROOT))
from tests.midi_hostile import assert_sane, large_song, mutants, varint_bomb  # noqa: E402

OPT_IN = {**CONSENT, "training_opt_in": True}
DRUMS = {"consent": {**CONSENT, "user_id": "bench-drums"}, "bars": 1, "seed": 1}  # its own user:
# one user's consent flipping between requests would turn their uploads into 409s


def upload(c: httpx.Client, data: bytes) -> httpx.Response:
    return c.post("/uploads/midi", files={"file": ("f.mid", data, "audio/midi")},
                  data={"consent": json.dumps(OPT_IN), "role": "drums", "genre": "trap"})


def batch(c: httpx.Client, data: bytes) -> httpx.Response:
    item = {"midi_base64": base64.b64encode(data).decode(), "role": "drums", "genre": "trap"}
    return c.post("/training/batch", json={"consent": OPT_IN, "items": [item]})


def status_of(send, *args) -> tuple[int | str, float, httpx.Response | None]:
    start = time.perf_counter()
    try:
        r = send(*args)
        return r.status_code, time.perf_counter() - start, r
    except httpx.HTTPError as exc:  # a dropped connection counts as a failure
        return type(exc).__name__, time.perf_counter() - start, None


def fuzz(c: httpx.Client, seed: int, n: int) -> dict:
    statuses: dict[str, Counter] = {"upload": Counter(), "batch": Counter()}
    slowest, insane, latencies = (0.0, ""), 0, []
    for name, data in mutants(seed, n):
        for kind, send in (("upload", upload), ("batch", batch)):
            code, took, r = status_of(send, c, data)
            statuses[kind][code] += 1
            latencies.append(took)
            slowest = max(slowest, (took, f"{kind} of {name} ({len(data)} bytes)"))
            if kind == "upload" and code == 200:
                try:
                    assert_sane(r.json())
                except AssertionError:
                    insane += 1
    return {"statuses": statuses, "slowest": slowest, "insane": insane,
            "p50_ms": float(np.median(latencies)) * 1000,
            "p99_ms": float(np.percentile(latencies, 99)) * 1000}


def drum_latencies(url: str, stop: threading.Event, out: list[float]) -> None:
    with httpx.Client(base_url=url, timeout=60) as c:
        while not stop.is_set():
            s = time.perf_counter()
            c.post("/generate/drums", json=DRUMS).raise_for_status()
            out.append((time.perf_counter() - s) * 1000)


def flood(url: str, data: bytes, n: int) -> dict:
    """`n` concurrent uploads of `data` while generation is timed."""
    drums: list[float] = []
    stop = threading.Event()
    timer = threading.Thread(target=drum_latencies, args=(url, stop, drums))
    timer.start()
    time.sleep(0.3)  # the timer is generating before the flood starts
    limits = httpx.Limits(max_connections=n + 8, max_keepalive_connections=n + 8)
    try:
        with httpx.Client(base_url=url, timeout=60, limits=limits) as c, ThreadPoolExecutor(n) as pool:
            start = time.perf_counter()
            results = list(pool.map(lambda _: status_of(upload, c, data), range(n)))
            wall = time.perf_counter() - start
    finally:
        stop.set()
        timer.join()
    return {"statuses": Counter(r[0] for r in results), "slowest_s": max(r[1] for r in results),
            "wall_s": wall, "drums_p50": float(np.median(drums)), "drums_max": max(drums),
            "drums_n": len(drums)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mutants", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--flood", type=int, default=45)
    ap.add_argument("--port", type=int, default=8768)
    args = ap.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    server = start_server(args.port)
    try:
        with httpx.Client(base_url=url, timeout=60) as c:
            wait_until_generating(c, "/generate/drums", DRUMS, time.perf_counter())
            alone = []
            for _ in range(30):
                s = time.perf_counter()
                c.post("/generate/drums", json=DRUMS).raise_for_status()
                alone.append((time.perf_counter() - s) * 1000)
            rss_before = rss_mb(server.pid)
            start = time.perf_counter()
            fuzzed = fuzz(c, args.seed, args.mutants)
            fuzz_s = time.perf_counter() - start
            rss_after = rss_mb(server.pid)
        floods = {label: flood(url, data, args.flood) for label, data in (
            ("varint bomb 100 kB", varint_bomb(100_000)), ("varint bomb 500 kB", varint_bomb(500_000)),
            ("valid 500 kB song", large_song(500_000)))}
        rss_end = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average before: {os.getloadavg()[0]:.1f}\n")
    print(f"## Fuzz: {args.mutants + 2} files (seed {args.seed}), each as an upload and a batch item, "
          f"{fuzz_s:.0f} s\n")
    for kind, counts in fuzzed["statuses"].items():
        print(f"- {kind}: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=str)))
    print(f"- latency p50 {fuzzed['p50_ms']:.1f} ms, p99 {fuzzed['p99_ms']:.1f} ms; slowest "
          f"{fuzzed['slowest'][0]:.3f} s ({fuzzed['slowest'][1]})")
    print(f"- accepted summaries that were not sane: {fuzzed['insane']}")
    print(f"- server RSS {rss_before[0]:.0f} MB before, {rss_after[0]:.0f} MB after "
          f"({rss_after[0] - rss_before[0]:+.0f} MB); peak {rss_after[1]:.0f} MB\n")
    print(f"## Flood: {args.flood} concurrent uploads while 1-bar drums are generated "
          f"(alone: p50 {np.median(alone):.1f} ms, max {max(alone):.1f} ms)\n")
    print("| flood | upload statuses | slowest upload s | flood wall s | drums during: n | p50 ms | "
          "max ms |\n|---|---|---|---|---|---|---|")
    for label, f in floods.items():
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(f["statuses"].items(), key=str))
        print(f"| {label} | {codes} | {f['slowest_s']:.3f} | {f['wall_s']:.3f} | {f['drums_n']} | "
              f"{f['drums_p50']:.1f} | {f['drums_max']:.1f} |")
    print(f"\nserver RSS at the end {rss_end[0]:.0f} MB (peak {rss_end[1]:.0f} MB)")


if __name__ == "__main__":
    main()
