"""Training reads user material only through the opt-in view: what users offered through the API
reaches the drum pipeline only with training_opt_in, and leaves it when consent is withdrawn."""

import base64

from tests.conftest import CONSENT, make_client
from tests.test_api_events import OPT_IN, song_midi, upload
from training.config import DrumData
from training.roles.drums.data import fingerprint
from training.sources.event_log import load_event_material, load_event_songs


def test_the_drum_pipeline_sees_only_opted_in_material(tmp_path):
    with make_client(tmp_path) as c:
        assert upload(c, song_midi(bars=4), OPT_IN, role="drums", genre="trap").status_code == 200
        assert upload(c, song_midi(bars=4), {**CONSENT, "user_id": "u_no"}, role="drums",
                      genre="trap").status_code == 200
        item = {"midi_base64": base64.b64encode(song_midi(bars=4)).decode(), "role": "drums",
                "genre": "house"}
        assert c.post("/training/batch", json={"consent": {**OPT_IN, "user_id": "u_b"},
                                               "items": [item]}).status_code == 202
        events = str(tmp_path / "data" / "events.sqlite3")
        examples = load_event_material(events)
        assert sorted(e.genre for e in examples) == ["house", "trap"]
        assert all(e.source == "user" and e.grid.n_bars == 4 for e in examples)
        cfg = DrumData(event_log=events)
        before = fingerprint(cfg)
        assert c.delete("/users/u_test/training-data").status_code == 200
        assert [e.genre for e in load_event_material(events)] == ["house"]
        assert fingerprint(cfg) != before  # cached training arrays are rebuilt without it
        # The other user says no in a later request: their material drops out too.
        c.post("/preferences", json={"consent": {**CONSENT, "user_id": "u_b"}, "genres": []})
        assert load_event_material(events) == []


def test_a_missing_event_log_holds_no_material(tmp_path):
    assert load_event_material(str(tmp_path / "none.sqlite3")) == []


def test_harmony_training_takes_opted_in_material_for_its_own_role(tmp_path):
    import json

    from tests.harmony_fixtures import harmony_data_config, tiny_harmony_config
    from training.run_training import main as run_training

    with make_client(tmp_path) as c:
        melody = base64.b64encode(song_midi(bars=8)).decode()
        r = c.post("/training/batch", json={"consent": OPT_IN, "items": [
            {"midi_base64": melody, "role": "melody", "genre": "pop"}]})
        assert r.status_code == 202
        assert upload(c, song_midi(bars=8), {**CONSENT, "user_id": "u_no"}, role="melody",
                      genre="pop").status_code == 200
    data = {**harmony_data_config(tmp_path / "fixtures"),
            "event_log": str(tmp_path / "data" / "events.sqlite3")}
    (song,) = load_event_songs("melody", data["event_log"], line="melody")
    assert song.source == "user" and str(song.key) == "A minor" and song.genre == "pop"
    assert song.bass is None and [n.pitch for n in song.melody[:4]] == [57, 60, 64, 62]
    assert len(song.chords) == 8 and song.meter == "4/4"
    # labelled melody: melody only
    assert load_event_songs("bassline", data["event_log"], line="bass", top_voice=False) == []
    cfg = tiny_harmony_config(data, tmp_path / "models")
    cfg["roles"] = ["melody"]
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    assert run_training(["--config", str(tmp_path / "config.json")]) == 0
    manifest = json.loads(next((tmp_path / "models" / "checkpoints" / "melody").glob(
        "*/manifest.json")).read_text())
    assert manifest["training_data"]["by_source"]["user"] == 1
