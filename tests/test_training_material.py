"""Training reads user material only through the opt-in view: what users offered through the API
reaches the drum pipeline only with training_opt_in, and leaves it when consent is withdrawn."""

import base64

from tests.conftest import CONSENT, make_client
from tests.test_api_events import OPT_IN, song_midi, upload
from training.data_pipeline import fingerprint, load_event_material


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
        cfg = {"event_log": events}
        before = fingerprint(cfg)
        assert c.delete("/users/u_test/training-data").status_code == 200
        assert [e.genre for e in load_event_material(events)] == ["house"]
        assert fingerprint(cfg) != before  # cached training arrays are rebuilt without it
        # The other user says no in a later request: their material drops out too.
        c.post("/preferences", json={"consent": {**CONSENT, "user_id": "u_b"}, "genres": []})
        assert load_event_material(events) == []


def test_a_missing_event_log_holds_no_material(tmp_path):
    assert load_event_material(str(tmp_path / "none.sqlite3")) == []
