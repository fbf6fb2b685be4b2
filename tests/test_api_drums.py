"""POST /generate/drums through the real app, on the shipped checkpoint: decode what comes back."""

import io
import shutil

import numpy as np
import pretty_midi
import pytest

from app.schemas.common import GenerationResponse
from tests.conftest import CONSENT, SHIPPED_MODELS, decode_midi, make_client


def _drums(client, **fields):
    return client.post("/generate/drums", json={"consent": CONSENT, **fields})


def _notes(variation: dict) -> list[tuple[int, float, float, int]]:
    return [(n["pitch"], n["start"], n["duration"], n["velocity"])
            for n in variation["tracks"][0]["notes"]]


@pytest.mark.parametrize("ts,beats_per_bar", [("4/4", 4), ("3/4", 3), ("6/8", 3)])
def test_midi_has_tempo_metre_exact_bars_and_channel_10(client, ts, beats_per_bar):
    r = _drums(client, genre="rock", bpm=97, bars=5, time_signature=ts, seed=11)
    assert r.status_code == 200, r.text
    body = r.json()
    GenerationResponse.model_validate(body)        # the documented schema, field by field
    assert body["role"] == "drums" and body["model"]["name"] == "drums"
    v = body["variations"][0]
    mid = decode_midi(v)
    tempos = [m.tempo for t in mid.tracks for m in t if m.type == "set_tempo"]
    sigs = [(m.numerator, m.denominator) for t in mid.tracks for m in t
            if m.type == "time_signature"]
    assert len(tempos) == 1 and abs(60e6 / tempos[0] - 97) < 1e-3
    assert sigs == [tuple(int(x) for x in ts.split("/"))]
    length = 5 * beats_per_bar * mid.ticks_per_beat
    assert all(sum(m.time for m in t) == length for t in mid.tracks)   # exactly 5 bars
    notes = [m for t in mid.tracks for m in t if m.type == "note_on"]
    assert notes and {m.channel for m in notes} == {9}
    assert all(0 <= n[1] and n[1] + n[2] <= 5 * beats_per_bar for n in _notes(v))


def test_json_notes_equal_the_midi_read_by_mido_and_pretty_midi(client):
    v = _drums(client, genre="funk", bars=4, seed=3, humanize=0.8, swing=0.3).json()[
        "variations"][0]
    expected = sorted(_notes(v))
    mid = decode_midi(v)
    on: dict[int, tuple[int, int]] = {}
    from_mido = []
    for track in mid.tracks:
        tick = 0
        for m in track:
            tick += m.time
            if m.type == "note_on" and m.velocity:
                on[m.note] = (tick, m.velocity)
            elif m.type in ("note_off", "note_on") and m.note in on:
                t0, vel = on.pop(m.note)
                from_mido.append((m.note, t0 / 480, (tick - t0) / 480, vel))
    assert sorted(from_mido) == expected
    pm = pretty_midi.PrettyMIDI(io.BytesIO(__import__("base64").b64decode(v["midi_base64"])))
    drums = pm.instruments[0]
    assert drums.is_drum

    def beats(t: float) -> float:
        return pm.time_to_tick(t) / pm.resolution

    from_pm = sorted((n.pitch, beats(n.start), round(beats(n.end) - beats(n.start), 6),
                      n.velocity) for n in drums.notes)
    assert [(p, s, round(d, 6), vel) for p, s, d, vel in expected] == from_pm


def test_same_seed_same_output_and_variations_differ(client):
    a = _drums(client, genre="trap", bars=4, seed=42, variations=3).json()
    b = _drums(client, genre="trap", bars=4, seed=42, variations=3).json()
    assert [_notes(v) for v in a["variations"]] == [_notes(v) for v in b["variations"]]
    assert a["seed"] == 42 and a["generation_id"] != b["generation_id"]
    assert len({tuple(_notes(v)) for v in a["variations"]}) == 3
    c = _drums(client, genre="trap", bars=4, seed=43, variations=3).json()
    assert [_notes(v) for v in c["variations"]] != [_notes(v) for v in a["variations"]]
    unseeded = _drums(client, genre="trap", bars=1).json()
    assert isinstance(unseeded["seed"], int)


def test_drum_map_and_excluded_pieces(client):
    r = _drums(client, genre="rock", bars=8, seed=1, drum_map={"kick": 35, "snare": 40},
               exclude=["crash", "ride"])
    body = r.json()
    pitches = {n[0] for v in body["variations"] for n in _notes(v)}
    assert {35, 40} <= pitches and not pitches & {36, 38, 49, 51}
    assert body["params"]["drum_map"]["kick"] == 35
    for bad in ({"drum_map": {"cowbell": 56}}, {"drum_map": {"kick": 200}},
                {"exclude": ["triangle"]}):
        r = _drums(client, **bad)
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"][1] in ("drum_map", "exclude")


def test_the_groove_sounds_like_the_genre(client):
    """House: a kick on (nearly) every beat; trap: the backbeat on beat 3 of the bar."""
    house = _drums(client, genre="house", bars=8, seed=2, fills=0, humanize=0.0,
                   variations=4).json()
    for v in house["variations"]:
        kicks = {round(n[1], 3) for n in _notes(v) if n[0] == 36}
        assert sum(float(b) in kicks for b in range(32)) >= 30
    trap = _drums(client, genre="trap", bars=8, seed=2, fills=0, humanize=0.0,
                  variations=4).json()
    for v in trap["variations"]:
        backbeats = {round(n[1], 3) for n in _notes(v) if n[0] == 39}
        assert sum(float(4 * bar + 2) in backbeats for bar in range(8)) >= 7


def test_density_control_changes_how_busy_the_groove_is(client):
    def hits(genre: str, density: float) -> int:
        return sum(len(_notes(v)) for seed in (1, 2, 3) for v in _drums(
            client, genre=genre, bars=8, seed=seed, density=density, variations=8
        ).json()["variations"])
    for genre in ("funk", "trap"):
        assert hits(genre, 0.1) < hits(genre, 0.5) < hits(genre, 0.9)


def test_fills_land_in_the_requested_bars(client):
    """Toms and snares crowd into the fill bars (4 and 8); a crash tends to open the next phrase."""
    body = _drums(client, genre="rock", bars=8, seed=4, fills=4, variations=8).json()
    assert body["params"]["fill_bars"] == [3, 7]
    per_bar = np.zeros(8)
    for v in body["variations"]:
        for p, s, *_ in _notes(v):
            if p in (38, 43, 47, 50):
                per_bar[int(s // 4)] += 1
    fill_rate = per_bar[[3, 7]].mean()
    groove_rate = per_bar[[0, 1, 2, 4, 5, 6]].mean()
    assert fill_rate > 1.5 * groove_rate
    assert _drums(client, bars=8, fills=0).json()["params"]["fill_bars"] == []


def test_consent_is_required_and_enforced(client):
    missing = client.post("/generate/drums", json={"genre": "rock"})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "consent"]
    malformed = client.post("/generate/drums", json={"consent": {**CONSENT, "user_id": ""}})
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"] == ["body", "consent", "user_id"]
    refused = client.post("/generate/drums",
                          json={"consent": {**CONSENT, "terms_accepted": False}})
    assert refused.status_code == 403 and "nothing was generated" in refused.json()["detail"]
    assert client.get("/health").json()["event_store"]["generations"] == 0


@pytest.mark.parametrize("field,value", [("bars", 0), ("bars", 65), ("bpm", 20), ("variations", 9),
                                          ("time_signature", "7/8"), ("genre", "polka"),
                                          ("temperature", 0), ("density", 1.5), ("fills", -1)])
def test_bad_input_gets_422_naming_the_field(client, field, value):
    r = _drums(client, **{field: value})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == field


def test_every_generation_is_logged(client):
    body = _drums(client, genre="jazz", bars=2, seed=8).json()
    store = client.app.state.services.store
    row = store.get_generation(body["generation_id"])
    assert row["status"] == "done" and row["user_id"] == "u_test" and row["role"] == "drums"
    assert row["seed"] == 8 and row["model_version"] == body["model"]["version"]
    assert row["params"]["genre"] == "jazz" and row["consent"]["terms_version"] == "2026-01"
    assert row["latency_ms"] > 0 and row["created_at"]


def test_daily_limit_survives_a_restart(tmp_path):
    with make_client(tmp_path, LEGAL_GENERATION_LIMIT=2) as c:
        assert [_drums(c, bars=1).status_code for _ in range(2)] == [200, 200]
        r = _drums(c, bars=1)
        assert r.status_code == 429 and "limit" in r.json()["detail"]
        assert 0 < int(r.headers["Retry-After"]) <= 86401
    with make_client(tmp_path, LEGAL_GENERATION_LIMIT=2) as c:
        assert _drums(c, bars=1).status_code == 429
        other = c.post("/generate/drums",
                       json={"consent": {**CONSENT, "user_id": "someone_else"}, "bars": 1})
        assert other.status_code == 200


def test_roles_without_a_model_answer_503_without_storing(tmp_path):
    only_drums = tmp_path / "models"
    shutil.copytree(SHIPPED_MODELS / "checkpoints" / "drums", only_drums / "checkpoints" / "drums")
    with make_client(tmp_path, model_dir=only_drums) as client:
        for role in ("melody", "arrangement"):
            r = client.post(f"/generate/{role}", json={"consent": CONSENT, "key": "A minor"})
            assert r.status_code == 503 and "model" in r.json()["detail"]
        assert client.post("/generate/chords", json={"complexity": 0.5}).status_code == 422
        refused = client.post("/generate/bassline", json={"consent": {**CONSENT,
                                                                      "terms_accepted": False}})
        assert refused.status_code == 403
        assert client.get("/health").json()["event_store"]["generations"] == 0


def test_no_model_means_503_not_500(tmp_path):
    with make_client(tmp_path, model_dir=tmp_path / "empty") as c:
        r = _drums(c)
        assert r.status_code == 503 and "no drums model" in r.json()["detail"]
        assert c.get("/health").json()["status"] == "degraded"


def test_onset_grid_is_human_but_quantizable(client):
    v = _drums(client, genre="funk", bars=4, seed=5, humanize=0.5).json()["variations"][0]
    starts = np.array([n[1] for n in _notes(v)])
    off = starts * 4 - np.round(starts * 4)
    assert 0 < np.abs(off).max() <= 0.5     # off the grid, but within half a 16th
    flat = _drums(client, genre="funk", bars=4, seed=5, humanize=0.0).json()["variations"][0]
    # on the grid: 16ths, or the 32nds / 16th-triplets of hi-hat rolls (1/24 beat)
    assert all(abs(s * 24 - round(s * 24)) < 1e-9 for s in (n[1] for n in _notes(flat)))


def test_concurrent_requests_never_overshoot_the_daily_limit(tmp_path):
    from concurrent.futures import ThreadPoolExecutor
    with make_client(tmp_path, LEGAL_GENERATION_LIMIT=3) as c:
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda _: _drums(c, bars=2).status_code, range(8)))
        assert sorted(codes) == [200] * 3 + [429] * 5
        assert c.get("/health").json()["event_store"]["generations"] == 3
