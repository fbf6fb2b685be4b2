"""Hostile MIDI through the real app (issue 11): refused at once with a 422 saying why and never
stored; parsed on the parse runner (its own threads, a queue and a deadline), apart from generation."""

import base64
import json
import threading
import time

import pytest

from tests.conftest import CONSENT, make_client
from tests.midi_hostile import END, NOTE, large_song, smf, time_signature_file, varint_bomb

OPT_IN = {**CONSENT, "training_opt_in": True}


def upload(client, data: bytes, consent: dict = OPT_IN):
    return client.post("/uploads/midi", files={"file": ("x.mid", data, "audio/midi")},
                       data={"consent": json.dumps(consent), "role": "drums", "genre": "trap"})


def batch(client, data: bytes):
    item = {"midi_base64": base64.b64encode(data).decode(), "role": "drums", "genre": "trap"}
    return client.post("/training/batch", json={"consent": OPT_IN, "items": [item]})


def nothing_stored(client) -> bool:
    store = client.app.state.services.store
    return store.rows("midi_uploads") == [] and store.rows("training_items") == []


@pytest.mark.parametrize("size", [100_000, 500_000])
def test_a_varint_bomb_gets_422_within_2_s(client, size):
    for send in (upload, batch):
        start = time.perf_counter()
        r = send(client, varint_bomb(size))
        assert time.perf_counter() - start < 2.0  # a safety bound: it took 34.7 s at 511 kB
        assert r.status_code == 422 and "longer than the 4 bytes" in r.json()["detail"]
    assert nothing_stored(client)


@pytest.mark.parametrize("data, words", [
    (time_signature_file(4, 0xFF), "finer than 1/64"),       # was a 79-character time_signature
    (time_signature_file(33, 2), "33/4 is not a metre"),
    (smf([b"\x00\xff\x51\x03\x00\x00\x00" + NOTE + END]), "tempo 0"),
    (smf([b"\x8f\xff\xff\x7f\x90\x3c\x40" + END], division=1), "longer than 100000 beats"),
    (smf([NOTE + END])[:-3], "damaged MIDI file")])
def test_absurd_metadata_gets_422_and_is_never_training_material(client, data, words):
    r = upload(client, data)
    assert r.status_code == 422 and words in r.json()["detail"]
    r = batch(client, data)
    assert r.status_code == 422 and "items[0]" in r.json()["detail"] and words in r.json()["detail"]
    assert nothing_stored(client)


def test_a_500_kB_song_is_summarised_and_kept(client):
    data = large_song(500_000)
    r = upload(client, data)
    assert r.status_code == 200, r.text
    summary = r.json()
    assert summary["stored_for_training"] and summary["time_signature"] == "4/4"
    assert summary["bpm"] == 120.0 and summary["notes"] == 2000 * len(summary["tracks"])
    assert batch(client, data).status_code == 202


def test_a_parse_past_its_deadline_gets_503_and_nothing_is_kept(tmp_path):
    with make_client(tmp_path, PARSE_TIMEOUT_S=0.001) as c:
        data = large_song(200_000)  # ~30,000 events: checked against the deadline every 4,096
        for r in (upload(c, data), batch(c, data)):
            assert r.status_code == 503 and "deadline" in r.json()["detail"]
            assert r.headers["Retry-After"] == "1"
        assert nothing_stored(c)


def test_uploads_wait_for_the_parse_runner_not_for_generation(tmp_path):
    """With the one parse thread busy and no queue, an upload is refused at once with 503, while
    generation (its own runner) answers as usual."""
    with make_client(tmp_path, MAX_CONCURRENT_PARSES=1, MAX_QUEUED_PARSES=0) as c:
        parser, release = c.app.state.services.parser, threading.Event()
        busy = c.portal.start_task_soon(parser.run, release.wait)
        try:
            until = time.monotonic() + 10
            while parser.in_flight == 0 and time.monotonic() < until:
                time.sleep(0.001)
            for r in (upload(c, smf([NOTE + END])), batch(c, smf([NOTE + END]))):
                assert r.status_code == 503 and r.headers["Retry-After"] == "1"
            r = c.post("/generate/drums", json={"consent": CONSENT, "bars": 1, "seed": 1})
            assert r.status_code == 200
            assert nothing_stored(c)
        finally:
            release.set()
        busy.result(timeout=10)
        assert upload(c, smf([NOTE + END])).status_code == 200
