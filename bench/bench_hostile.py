"""The hostile requests of issue 11, against the real server: each must get its 4xx (or the 503 of
the deadline or the queue) within 2 s, with the server's memory within 50 MB of where it started.

    python bench/bench_hostile.py [--port 8767]

Prints a Markdown table: the request, the status, the seconds it took, the server's RSS after it
(and the growth since start), then GET /models' effect on generation latency.
"""

import argparse
import base64
import json
import os
import platform
import threading
import time

import httpx
import numpy as np
from server import CONSENT, rss_mb, start_server, wait_until_generating

OPT_IN = {**CONSENT, "training_opt_in": True}


def varint_bomb(n: int) -> bytes:
    """A type-1 file whose first delta time is `n` bytes of 0xFF (a varint the standard caps at 4)."""
    body = b"\xff" * n + b"\x00\x90\x3c\x64\x00\xff\x2f\x00"
    return (b"MThd" + (6).to_bytes(4, "big") + b"\x00\x01\x00\x01\x01\xe0" + b"MTrk"
            + len(body).to_bytes(4, "big") + body)


def denominator_ff() -> bytes:
    """A file whose time signature's denominator byte is 0xFF (2^255)."""
    track = (b"\x00\xff\x58\x04\x04\xff\x18\x08" + b"\x00\x90\x3c\x64\x60\x80\x3c\x00"
             + b"\x00\xff\x2f\x00")
    return (b"MThd" + (6).to_bytes(4, "big") + b"\x00\x00\x00\x01\x01\xe0" + b"MTrk"
            + len(track).to_bytes(4, "big") + track)


def json_requests() -> list[tuple[str, str, str]]:
    """(label, path, raw JSON body): raw text, so Infinity and 1e999 go out as a client sends them."""
    c = json.dumps(CONSENT)
    out = []
    for role in ("melody", "bassline"):
        for beats in ("1e-9", "5e-324", "1e-15"):
            out.append((f"{role}: chord of {beats} beats", f"/generate/{role}",
                        f'{{"consent": {c}, "chords": [{{"symbol": "Am7", "beats": {beats}}}], '
                        f'"bars": 1}}'))
    for start in ("1e308", "Infinity", "1e999", "NaN"):
        out.append((f"bassline: drum note at {start}", "/generate/bassline",
                    f'{{"consent": {c}, "chords": ["Am"], "drums": [{{"pitch": 36, "start": '
                    f'{start}, "duration": 0.25, "velocity": 100}}]}}'))
    for field, value in (("fills", "false"), ("variations", "8.0"), ("density", "false"),
                         ("humanize", "true")):
        out.append((f"drums: {field} = {value}", "/generate/drums",
                    f'{{"consent": {c}, "{field}": {value}}}'))
    out.append(("chords: complexity = false", "/generate/chords",
                f'{{"consent": {c}, "complexity": false}}'))
    out.append(("arrangement: energy = false", "/generate/arrangement",
                f'{{"consent": {c}, "sections": [{{"name": "a", "bars": 4, "energy": false}}]}}'))
    return out


def uploads() -> list[tuple[str, bytes]]:
    return [(f"varint bomb {n // 1000} kB", varint_bomb(n)) for n in (100_000, 200_000, 511_000)] + [
        ("time signature denominator 0xFF", denominator_ff())]


def models_pressure(url: str, seconds: float = 5.0) -> tuple[float, float]:
    """1-bar generation p50 (ms) alone, then while another client calls GET /models non-stop."""
    body = {"consent": CONSENT, "bars": 1, "seed": 1}
    with httpx.Client(base_url=url, timeout=30) as c:
        def p50() -> float:
            ms = []
            until = time.perf_counter() + seconds / 2
            while time.perf_counter() < until:
                s = time.perf_counter()
                c.post("/generate/drums", json=body).raise_for_status()
                ms.append((time.perf_counter() - s) * 1000)
            return float(np.median(ms))

        alone = p50()
        stop = threading.Event()

        def hammer() -> None:
            with httpx.Client(base_url=url, timeout=30) as h:
                while not stop.is_set():
                    h.get("/models")
        t = threading.Thread(target=hammer)
        t.start()
        try:
            loaded = p50()
        finally:
            stop.set()
            t.join()
    return alone, loaded


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8767)
    args = ap.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    server = start_server(args.port)
    rows = []
    try:
        with httpx.Client(base_url=url, timeout=60) as c:
            wait_until_generating(c, "/generate/drums", {"consent": CONSENT, "bars": 1},
                                  time.perf_counter())
            start_rss = rss_mb(server.pid)[0]

            def record(label: str, send) -> None:
                s = time.perf_counter()
                try:
                    status: int | str = send().status_code
                except httpx.HTTPError as exc:   # a dropped connection is a failure too
                    status = type(exc).__name__
                rss = rss_mb(server.pid)[0]
                rows.append((label, status, time.perf_counter() - s, rss, rss - start_rss))

            for label, path, raw in json_requests():
                record(label, lambda p=path, b=raw: c.post(
                    p, content=b, headers={"content-type": "application/json"}))
            for label, data in uploads():
                record(f"upload: {label}", lambda d=data: c.post(
                    "/uploads/midi", files={"file": ("x.mid", d)},
                    data={"consent": json.dumps(OPT_IN), "role": "drums", "genre": "trap"}))
                record(f"batch item: {label}", lambda d=data: c.post("/training/batch", json={
                    "consent": OPT_IN, "items": [{"midi_base64": base64.b64encode(d).decode(),
                                                  "role": "drums", "genre": "trap"}]}))
        alone, loaded = models_pressure(url)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; server RSS at start {start_rss:.0f} MB\n")
    print("| request | status | seconds | RSS MB (growth) |\n|---|---|---|---|")
    for label, code, secs, rss, growth in rows:
        print(f"| {label} | {code} | {secs:.3f} | {rss:.0f} ({growth:+.0f}) |")
    worst = max(rows, key=lambda r: r[2])
    failed = sum(1 for r in rows if not isinstance(r[1], int) or r[1] >= 500)
    print(f"\nslowest: {worst[0]} in {worst[2]:.3f} s; 5xx or dropped: {failed}; largest growth "
          f"{max(r[4] for r in rows):+.0f} MB")
    print(f"1-bar drums p50: {alone:.1f} ms alone, {loaded:.1f} ms while GET /models is called "
          "non-stop")


if __name__ == "__main__":
    main()
