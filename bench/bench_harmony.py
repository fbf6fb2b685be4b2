"""Benchmark /generate/chords, /generate/bassline, /generate/melody and /generate/arrangement
against the real server.

    python bench/bench_harmony.py [--requests 200] [--port 8766] [--bars 8] [--song-bars 32]

Starts `uvicorn app.main:app` on the shipped checkpoints with a throw-away event store, then times
`--requests` sequential requests of 8 bars with 1 variation per role (keys, genres and seeds
rotating; bassline and melody over a given 4-chord progression, and once with no chords, when the
chord model writes the progression first), then `--requests` / 4 arrangements of `--song-bars`
bars with all four parts (genres rotating, each in its default form), and prints a Markdown table
with the server's RSS.
"""

import argparse
import os
import platform
import time

import httpx
from server import CONSENT, HEADER, row, rss_mb, start_server, timed, wait_until_generating

KEYS = ["A minor", "C major", "F# minor", "Eb major", "D dorian", "G mixolydian"]
GENRES = ["trap", "house", "pop", "rock", "funk", "lofi", "rnb", "jazz"]
PROGRESSIONS = [["Am", "F", "C", "G"], ["Dm7", "G7", "Cmaj7", "A7"], ["Em", "C", "G", "D"],
                ["F#m", "D", "A", "E"]]


def bodies(role: str, n: int, bars: int, with_chords: bool = True) -> list[dict]:
    out = []
    for i in range(n):
        body = {"consent": CONSENT, "genre": GENRES[i % len(GENRES)], "bars": bars, "seed": i}
        if role == "chords" or not with_chords:
            body["key"] = KEYS[i % len(KEYS)]
        else:
            body["chords"] = PROGRESSIONS[i % len(PROGRESSIONS)]
        out.append(body)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--port", type=int, default=8766)
    ap.add_argument("--bars", type=int, default=8)
    ap.add_argument("--song-bars", type=int, default=32)
    args = ap.parse_args()
    t0 = time.perf_counter()
    server = start_server(args.port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=30) as client:
            cold = wait_until_generating(client, "/generate/melody",
                                         bodies("melody", 1, args.bars)[0], t0)
            rows = [(role, timed(client, f"/generate/{role}", bodies(role, args.requests, args.bars)))
                    for role in ("chords", "bassline", "melody")]
            rows += [(f"{role}, no chords given (progression written first)",
                      timed(client, f"/generate/{role}",
                            bodies(role, args.requests, args.bars, with_chords=False)))
                     for role in ("bassline", "melody")]
            songs = [{"consent": CONSENT, "genre": GENRES[i % len(GENRES)], "bars": args.song_bars,
                      "seed": i} for i in range(max(20, args.requests // 4))]
            rows.append((f"arrangement, {args.song_bars} bars, 4 parts",
                         timed(client, "/generate/arrangement", songs)))
            rss, peak = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {args.requests} sequential requests per row, "
          f"{args.bars} bars, 1 variation\n")
    print(HEADER.format("role"))
    for label, (server_ms, e2e_ms) in rows:
        print(row(label, server_ms, e2e_ms))
    print(f"\ncold start to first answered melody: {cold:.2f} s")
    print(f"server RSS after the runs: {rss:.0f} MB (peak {peak:.0f} MB)")


if __name__ == "__main__":
    main()
