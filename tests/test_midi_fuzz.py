"""A seeded mutation fuzzer of MIDI uploads through the real app: a few hundred damaged or hostile
variants of valid files, each sent to /uploads/midi and as a /training/batch item. Every answer
is a 2xx or a 4xx within seconds, memory stays bounded, and what is accepted has a sane summary.
(bench/fuzz_midi.py runs thousands against a real server.)"""

import base64
import json
import math
import random
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator

from beatengine.midi_io import Note, Song, Track, write_midi
from tests.conftest import CONSENT
from tests.midi_hostile import END, NOTE, random_song, smf, varint_bomb

OPT_IN = {**CONSENT, "training_opt_in": True}
SEED, MUTANTS = 11, 450


def fixtures(rng: random.Random) -> list[bytes]:
    """Valid files of several shapes: mido-written songs (running status, sysex, every message
    kind), an engine-written drum part, a type-0 file."""
    drums = [Note(36 + (i % 3) * 2, i * 0.5, 0.25, 100) for i in range(32)]
    return [*(random_song(rng, tracks=rng.randint(1, 4), events=rng.randint(20, 120)) for _ in range(6)),
            write_midi(Song([Track("drums", drums, is_drum=True, channel=9)], bpm=140.0,
                            time_signature="7/8", key_signature="F#m", length_beats=16.0)),
            smf([b"\x00\xff\x03\x04lead" + NOTE * 8 + b"\x00\xf0\x03\x7e\x01\xf7" + NOTE + END], fmt=0)]


def chunks(data: bytes) -> list[tuple[int, int]]:
    """(offset, length) of each chunk after the header (of a file already mutated: the first)."""
    out, pos = [], 14
    while pos + 8 <= len(data) and (not out or pos + 8 + out[-1][1] <= len(data)):
        length = int.from_bytes(data[pos + 4:pos + 8], "big")
        out.append((pos, length))
        pos += 8 + length
    return out


def _insert_in_track(rng: random.Random, data: bytes, event: bytes) -> bytes:
    """`event` put at the start of a random track, its chunk length made to match."""
    pos, length = rng.choice(chunks(data) or [(14, 0)])
    body = event + data[pos + 8:pos + 8 + length]
    return data[:pos + 4] + len(body).to_bytes(4, "big") + body + data[pos + 8 + length:]


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(len(data))]


def insert_bytes(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(14, len(data))
    return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + data[at:]


def duplicate_span(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data))
    span = data[at:at + rng.randint(1, 64)]
    return data[:at] + span * rng.randint(2, 20) + data[at:]


def lie_about_a_chunk_length(rng: random.Random, data: bytes) -> bytes:
    pos, length = rng.choice(chunks(data) or [(14, 0)])
    lie = rng.choice([0, 1, length - 1, length + 1, length * 2, 0x7FFFFFFF, 0xFFFFFFFF,
                      rng.randrange(2 ** 32)])
    return data[:pos + 4] + min(max(0, lie), 0xFFFFFFFF).to_bytes(4, "big") + data[pos + 8:]


def lie_in_the_header(rng: random.Random, data: bytes) -> bytes:
    field = rng.choice([4, 8, 10, 12])  # header length, format, track count, division
    size = 4 if field == 4 else 2
    return data[:field] + rng.randrange(2 ** (8 * size)).to_bytes(size, "big") + data[field + size:]


def huge_varint(rng: random.Random, data: bytes) -> bytes:
    """A delta time (or a meta event's length) of 5 to 4,000 bytes."""
    filler = bytes([rng.choice([0x80, 0x81, 0xFF])]) * rng.choice([4, 5, 8, 100, 4000])
    event = filler + b"\x00\x90\x3c\x40" if rng.random() < 0.5 else b"\x00\xff\x01" + filler + b"\x01a"
    return _insert_in_track(rng, data, event)


def absurd_meta(rng: random.Random, data: bytes) -> bytes:
    """A time signature, tempo, key or text event with any bytes at all."""
    kind = rng.choice([0x58, 0x51, 0x59, 0x03])
    length = rng.choice([0, 1, 2, 3, 4, 5, 200])
    payload = bytes(rng.choice([0, 1, 7, 32, 33, 0x7F, 0xFF, rng.randrange(256)])
                    for _ in range(min(length, rng.choice([length, 2]))))
    return _insert_in_track(rng, data, b"\x00\xff" + bytes([kind, length]) + payload)


def huge_delta(rng: random.Random, data: bytes) -> bytes:
    """A valid 4-byte delta time, up to 0x0FFFFFFF ticks: a file too long to be music."""
    return _insert_in_track(rng, data, rng.choice([b"\xff\xff\xff\x7f", b"\x8f\xff\xff\x7f",
                                                   b"\x81\x80\x80\x00"]) + b"\x90\x3c\x40")


MUTATORS: list[Callable[[random.Random, bytes], bytes]] = [
    flip_bytes, truncate, insert_bytes, duplicate_span, lie_about_a_chunk_length, lie_in_the_header,
    huge_varint, absurd_meta, huge_delta]


def mutants(seed: int, n: int) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(seed)
    bases = fixtures(rng)
    for i in range(n):
        mutate = MUTATORS[i % len(MUTATORS)]
        data = rng.choice(bases)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):  # some mutants are mutated again
            data = mutate(rng, data) if len(data) > 14 else data
        yield mutate.__name__, data
    yield "varint bomb 100 kB", varint_bomb(100_000)
    yield "varint bomb 500 kB", varint_bomb(500_000)


def assert_sane(summary: dict) -> None:
    """What a client is told about an accepted file is music: a metre, a tempo, a length."""
    num, den = (int(x) for x in summary["time_signature"].split("/"))
    assert 1 <= num <= 32 and den in (1, 2, 4, 8, 16, 32, 64), summary
    assert 3.5 < summary["bpm"] <= 1000, summary
    assert 0 <= summary["length_beats"] <= 100_000, summary
    assert summary["bars"] == math.ceil(round(summary["length_beats"] / (num * 4 / den), 6)), summary
    for t in summary["tracks"]:
        assert 0 <= t["lowest"] <= t["highest"] <= 127 and set(t["channels"]) <= set(range(1, 17))


def test_mutated_midi_never_gets_a_5xx_and_what_passes_is_sane(client):
    statuses: Counter = Counter()
    kept, slowest = 0, (0.0, "")
    tracemalloc.start()
    try:
        for name, data in mutants(SEED, MUTANTS):
            start = time.perf_counter()
            r = client.post("/uploads/midi", files={"file": ("f.mid", data, "audio/midi")},
                            data={"consent": json.dumps(OPT_IN), "role": "drums", "genre": "trap"})
            item = {"midi_base64": base64.b64encode(data).decode(), "role": "drums", "genre": "trap"}
            b = client.post("/training/batch", json={"consent": OPT_IN, "items": [item]})
            took = time.perf_counter() - start
            slowest = max(slowest, (took, name))
            assert r.status_code in (200, 413, 422), (name, r.status_code, r.text)
            assert b.status_code in (202, 413, 422), (name, b.status_code, b.text)
            assert took < 3.0, (name, took)  # a safety bound for both requests, not a speed target
            statuses[r.status_code] += 1
            if r.status_code == 200:
                assert_sane(r.json())
                kept += r.json()["stored_for_training"]
            # one reader behind both: a batch takes exactly the uploads that hold notes
            assert (b.status_code == 202) == (r.status_code == 200 and r.json()["notes"] > 0), name
            kept += b.status_code == 202
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"\nfuzz: {dict(statuses)}; slowest {slowest[1]} {slowest[0]:.3f} s; peak {peak / 1e6:.1f} MB")
    assert peak < 50e6
    assert statuses[200] > MUTANTS // 20 and statuses[422] > MUTANTS // 2  # both paths exercised
    assert len(client.app.state.services.store.rows("training_items")) == kept
