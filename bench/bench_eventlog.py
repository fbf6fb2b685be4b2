"""Benchmark the event log against the real server.

    python bench/bench_eventlog.py [--requests 300] [--port 8767] [--postgres URL]

Runs `uvicorn app.main:app` twice: on the embedded SQLite store alone, and with the remote log on
the real PostgreSQL (a scratch database made and migrated here, dropped after; skipped when none is
reachable). For each it measures end-to-end latency of sequential POST /preferences, /feedback,
/uploads/midi, /training/batch and /generate/drums (8 bars), then logs a burst of events and times
how long the outbox takes to deliver them all (events per second). Prints Markdown tables.
"""

import argparse
import base64
import io
import json
import os
import platform
import sys
import time
import uuid

import httpx
import mido
import psycopg
from server import CONSENT, ROOT, pct, start_server, wait_until_generating

sys.path.insert(0, str(ROOT))
from eventlog.migrate import migrate  # noqa: E402

OPT_IN = {**CONSENT, "training_opt_in": True}


def drum_file(bars: int = 4) -> bytes:
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(120))])
    for step in range(bars * 16):
        note = 36 if step % 4 == 0 else 42
        track += [mido.Message("note_on", channel=9, note=note, velocity=90, time=0),
                  mido.Message("note_off", channel=9, note=note, velocity=0, time=120)]
    mid.tracks.append(track)
    out = io.BytesIO()
    mid.save(file=out)
    return out.getvalue()


def e2e(client: httpx.Client, send, n: int) -> list[float]:
    for _ in range(10):
        send()
    out = []
    for _ in range(n):
        s = time.perf_counter()
        r = send()
        out.append((time.perf_counter() - s) * 1000)
        assert r.status_code < 300, r.text
    return out


def run(label: str, port: int, n: int, env: dict[str, str]) -> None:
    server = start_server(port, **env)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as c:
            wait_until_generating(c, "/generate/drums", {"consent": CONSENT, "bars": 1},
                                  time.perf_counter())
            gid = c.post("/generate/drums", json={"consent": CONSENT, "bars": 2}).json()[
                "generation_id"]
            midi = drum_file()
            b64 = base64.b64encode(midi).decode()
            rows = {
                "POST /preferences": lambda: c.post("/preferences", json={
                    "consent": CONSENT, "genres": ["trap", "house"]}),
                "POST /feedback": lambda: c.post("/feedback", json={
                    "consent": CONSENT, "generation_id": gid, "accepted": True}),
                "POST /uploads/midi (opt-in)": lambda: c.post(
                    "/uploads/midi", files={"file": ("a.mid", midi)},
                    data={"consent": json.dumps(OPT_IN), "genre": "trap"}),
                "POST /training/batch (1 file)": lambda: c.post("/training/batch", json={
                    "consent": OPT_IN, "items": [{"midi_base64": b64, "role": "drums",
                                                  "genre": "trap"}]}),
                "POST /generate/drums (8 bars)": lambda: c.post("/generate/drums", json={
                    "consent": CONSENT, "bars": 8}),
            }
            print(f"\n### {label}\n\n| request | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|")
            for name, send in rows.items():
                ms = e2e(c, send, n)
                print(f"| {name} | {pct(ms, 50):.1f} | {pct(ms, 95):.1f} | {pct(ms, 99):.1f} |")
            burst = 2000
            t0 = time.perf_counter()
            for _ in range(burst):
                c.post("/preferences", json={"consent": CONSENT, "genres": ["lofi"]})
            logged = time.perf_counter() - t0
            while (state := c.get("/health").json()["event_store"])["backlog"]:
                time.sleep(0.02)
            drained = time.perf_counter() - t0
            print(f"\n{burst} events logged in {logged:.2f} s; backend {state['backend']}: "
                  f"backlog 0 after {drained:.2f} s ({burst / drained:.0f} events/s end to end), "
                  f"dead letters {state['dead_letters']}")
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--port", type=int, default=8767)
    ap.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                    help="a server to make a scratch database on")
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {args.requests} sequential requests per row")
    run("SQLite only (the embedded default)", args.port, args.requests, {})
    name = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"\nno PostgreSQL at {args.postgres}: {exc}".strip())
        return
    url = args.postgres.rsplit("/", 1)[0] + "/" + name
    try:
        migrate(url)
        run("SQLite + outbox to PostgreSQL (DATABASE_URL)", args.port + 1, args.requests,
            {"DATABASE_URL": url, "OUTBOX_POLL_S": "0.2"})
        with psycopg.connect(url) as conn:
            (n,) = conn.execute("SELECT count(*) FROM genre_preferences").fetchone()
        print(f"remote genre_preferences rows: {n}")
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
