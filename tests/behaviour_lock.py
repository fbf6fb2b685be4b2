"""The behaviour lock: what a fixed set of requests returns and what tiny training runs produce,
reduced to hashes and kept in `tests/fixtures/behaviour_lock.json`.

A refactoring must leave every hash as it is (`tests/test_behaviour_lock.py`). When a change is
*meant* to change the music (a new model version, a new rule), regenerate the file and say so in
the commit:

    .venv/bin/python -m tests.behaviour_lock --update

Each response is hashed as the service sends it, less what differs on every call by design (the
generation id and the latency); each variation's MIDI file is hashed on its own too, so a failure
says whether the notes or only the JSON changed.
"""

import argparse
import base64
import hashlib
import json
from pathlib import Path

LOCK_FILE = Path(__file__).parent / "fixtures" / "behaviour_lock.json"
CONSENT = {"user_id": "u_lock", "terms_version": "2026-01", "terms_accepted": True}
KICKS = [{"pitch": 36, "start": s, "duration": 0.25, "velocity": 110} for s in (0, 1.5, 2.5, 4, 6.5)]

# (name, path, body): every role and the arrangement, several genres, keys, metres, seeds and
# variations, and the controls that change the notes.
REQUESTS: list[tuple[str, str, dict]] = [
    ("drums-trap", "/generate/drums", {"genre": "trap", "bpm": 140, "bars": 8, "fills": 4,
                                       "swing": 0.1, "seed": 7, "variations": 2}),
    ("drums-rock-34", "/generate/drums", {"genre": "rock", "bars": 4, "time_signature": "3/4",
                                          "seed": 3}),
    ("drums-jazz-68", "/generate/drums", {"genre": "jazz", "bars": 4, "time_signature": "6/8",
                                          "humanize": 0, "seed": 11}),
    ("drums-house-map", "/generate/drums", {"genre": "house", "bpm": 150, "bars": 8, "density": 0.8,
                                            "drum_map": {"snare": 40}, "exclude": ["crash"],
                                            "seed": 5, "variations": 3}),
    ("drums-boom-bap", "/generate/drums", {"genre": "boom_bap", "bpm": 90, "bars": 2, "swing": 0.6,
                                           "humanize": 0, "fills": 0, "temperature": 0.7,
                                           "seed": 2}),
    ("chords-pop", "/generate/chords", {"key": "A minor", "genre": "pop", "bars": 8,
                                        "complexity": 0, "seed": 1}),
    ("chords-lofi", "/generate/chords", {"key": "A minor", "genre": "lofi", "bars": 8,
                                         "complexity": 1, "chords_per_bar": 2, "seed": 1,
                                         "variations": 2}),
    ("chords-dorian-34", "/generate/chords", {"key": "D dorian", "genre": "jazz", "bars": 4,
                                              "time_signature": "3/4", "seed": 4}),
    ("chords-locked", "/generate/chords", {"key": "F# major", "genre": "house", "bars": 4,
                                           "chords": ["F#", None, {"symbol": "C#", "beats": 2}],
                                           "voicing": "arpeggio", "seed": 9}),
    ("bass-given", "/generate/bassline", {"chords": ["Am7", "F", "C", "G"], "genre": "trap",
                                          "bars": 4, "drums": KICKS, "seed": 6}),
    ("bass-made", "/generate/bassline", {"key": "E minor", "genre": "house", "bars": 8,
                                         "density": 0.7, "seed": 8, "variations": 2}),
    ("bass-inferred-68", "/generate/bassline", {"chords": ["D", {"symbol": "G/B", "beats": 1.5},
                                                           "A7"], "genre": "rock", "bars": 4,
                                                "time_signature": "6/8", "seed": 10}),
    ("melody-pop", "/generate/melody", {"key": "C major", "chords": ["C", "Am", "F", "G"],
                                        "genre": "pop", "bars": 8, "seed": 12}),
    ("melody-chromatic", "/generate/melody", {"key": "G mixolydian", "genre": "rock", "bars": 4,
                                              "chromaticism": 0.8, "density": 0.8, "seed": 13,
                                              "variations": 2}),
    ("arrangement-house", "/generate/arrangement", {"genre": "house", "bpm": 124, "key": "A minor",
                                                    "bars": 16, "seed": 2}),
    ("arrangement-pop", "/generate/arrangement", {"genre": "pop", "bpm": 110, "key": "C major",
                                                  "sections": [{"name": "verse", "bars": 4,
                                                                "energy": 0.5},
                                                               {"name": "chorus", "bars": 4,
                                                                "energy": 0.9}],
                                                  "tracks": ["drums", "bass", "chords"],
                                                  "seed": 1}),
]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def response_hashes(body: dict) -> dict:
    """The hash of a response less its generation id and latency, and of each variation's MIDI."""
    kept = {k: v for k, v in body.items() if k not in ("generation_id", "latency_ms")}
    return {"body": sha(json.dumps(kept, sort_keys=True).encode()),
            "midi": [sha(base64.b64decode(v["midi_base64"])) for v in body["variations"]]}


def request_hashes(client) -> dict[str, dict]:
    out = {}
    for name, path, body in REQUESTS:
        r = client.post(path, json={"consent": CONSENT, **body})
        assert r.status_code == 200, f"{name}: {r.status_code} {r.text[:300]}"
        out[name] = response_hashes(r.json())
    return out


def weight_hashes(*registries: Path) -> dict[str, str]:
    """sha256 of every role's weights in the given registries (the tiny training runs)."""
    out = {}
    for registry in registries:
        for weights in sorted(registry.glob("checkpoints/*/*/model.safetensors")):
            # each run trains one version of a role
            out.setdefault(weights.parent.parent.name, sha(weights.read_bytes()))
    return out


def main() -> None:
    import subprocess
    import sys

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--update", action="store_true", help="rewrite the lock file")
    args = ap.parse_args()
    if args.update:
        # the test computes the hashes with the suite's own fixtures and writes them
        sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                  "tests/test_behaviour_lock.py", "--update-lock"]))


if __name__ == "__main__":
    main()
