"""A seeded mutation fuzzer of MIDI uploads through the real app: a few hundred damaged or hostile
variants of valid files, each sent to /uploads/midi and as a /training/batch item. Every answer
is a 2xx or a 4xx within seconds, memory stays bounded, and what is accepted has a sane summary.
(bench/fuzz_midi.py runs thousands against a real server.)"""

import base64
import json
import time
import tracemalloc
from collections import Counter

from tests.conftest import CONSENT
from tests.midi_hostile import assert_sane, mutants

OPT_IN = {**CONSENT, "training_opt_in": True}
SEED, MUTANTS = 11, 450


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
