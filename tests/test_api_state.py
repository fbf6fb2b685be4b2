"""GET /health, /models, /genres, CORS and the overload guard."""

import asyncio
import shutil
import threading

import pytest

from app.services.errors import Overloaded
from app.services.runner import InferenceRunner
from beatengine.genres import GENRE_NAMES
from tests.conftest import CONSENT, SHIPPED_MODELS, make_client


def test_health_and_models_say_what_is_loaded(client):
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["models"]["drums"]
    assert health["event_store"]["backend"] == "sqlite"
    models = client.get("/models").json()["roles"]["drums"]
    loaded = [m for m in models if m["loaded"]]
    assert len(loaded) == 1 and loaded[0]["version"] == health["models"]["drums"]
    manifest = loaded[0]["manifest"]
    assert {"version", "model_config", "files", "training_data", "metrics", "created_at"} <= set(
        manifest)


def test_genres_list_says_where_each_genre_comes_from(client):
    genres = {g["name"]: g for g in client.get("/genres").json()["genres"]}
    assert set(genres) == set(GENRE_NAMES)
    assert genres["trap"]["source"] == "rules" and genres["rock"]["source"] == "data"
    for name in ("drill", "boom_bap", "lofi", "house", "techno", "drum_and_bass"):
        assert genres[name]["style_rules"]


def test_cors_origins_come_from_settings(tmp_path):
    with make_client(tmp_path, CORS_ORIGINS=["https://daw.example"]) as c:
        ok = c.options("/generate/drums", headers={"Origin": "https://daw.example",
                                                   "Access-Control-Request-Method": "POST"})
        assert ok.headers["access-control-allow-origin"] == "https://daw.example"
        bad = c.options("/generate/drums", headers={"Origin": "https://evil.example",
                                                    "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in bad.headers


def test_cors_origins_parse_from_a_comma_separated_env(monkeypatch):
    from app.core.config import Settings
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("SUPABASE_SERVICE_KEY", "sb_secret_do_not_print")
    s = Settings()
    assert s.CORS_ORIGINS == ["https://a.example", "https://b.example"]
    assert "sb_secret_do_not_print" not in repr(s) and "do_not_print" not in str(s.model_dump())


def test_a_tampered_newest_checkpoint_is_skipped_at_start_up(tmp_path, caplog):
    models = tmp_path / "models"
    shutil.copytree(SHIPPED_MODELS, models)
    role = models / "checkpoints" / "drums"
    newest = max(role.iterdir(), key=lambda p: tuple(int(x) for x in p.name.split(".")))
    fake = role / "99.0.0"
    shutil.copytree(newest, fake)
    (fake / "manifest.json").write_text((fake / "manifest.json").read_text().replace(
        f'"version": "{newest.name}"', '"version": "99.0.0"'))
    (fake / "model.safetensors").write_bytes(b"tampered")
    with make_client(tmp_path, model_dir=models) as c:
        assert c.get("/health").json()["models"]["drums"] == newest.name
        listed = {m["version"]: m for m in c.get("/models").json()["roles"]["drums"]}
        assert not listed["99.0.0"]["valid"] and "sha256" in listed["99.0.0"]["error"]
    assert "skipping checkpoint drums/99.0.0" in caplog.text


def test_overloaded_runner_refuses_at_once():
    async def scenario():
        runner = InferenceRunner(workers=1, max_queued=0)
        gate = threading.Event()
        first = asyncio.ensure_future(runner.run(gate.wait))
        await asyncio.sleep(0.05)
        with pytest.raises(Overloaded):
            await runner.run(lambda: None)
        gate.set()
        assert await first is True
        runner.shutdown()
    asyncio.run(scenario())


def test_the_service_key_never_reaches_the_logs(tmp_path, caplog):
    import logging
    caplog.set_level(logging.DEBUG)
    with make_client(tmp_path, SUPABASE_SERVICE_KEY="sb_secret_xyz123") as c:
        c.post("/generate/drums", json={"consent": CONSENT, "bars": 1})
        body = c.get("/health").text + c.get("/models").text
    assert "sb_secret_xyz123" not in caplog.text and "sb_secret_xyz123" not in body


def test_an_oversized_body_gets_413(client):
    huge = '{"consent": {}, "pad": "' + "x" * 1_100_000 + '"}'
    r = client.post("/generate/drums", content=huge, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "larger than" in r.json()["detail"]

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(30):
            yield b"x" * 100_000
    r = client.post("/generate/drums", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("body", ["not json", "[]", '{"consent": null}', '{"consent": "x"}',
                                  '{"bpm": NaN}', '{"bars": 1e999}', '{"consent": {"user_id": NaN}}',
                                  '{"genre": Infinity}', '{"drum_map": {"kick": NaN}}',
                                  '{"drum_map": {"kick": true}}',
                                  '{"consent": {"user_id": "u", "terms_version": "1", '
                                  '"terms_accepted": "maybe"}}', '{"chords": [1, 2]}'])
def test_garbage_gets_422_never_500(client, body):
    r = client.post("/generate/drums", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_pending_roles_survive_non_finite_numbers_too(client):
    r = client.post("/generate/melody", content='{"x": NaN}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_openapi_describes_every_request_field(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("DrumsRequest", "Consent", "FeedbackRequest", "PreferencesRequest", "MidiItem",
                 "GenerationItem", "TrainingBatchRequest", "UploadResponse", "MidiTrackSummary",
                 "BatchAccepted", "WithdrawalResponse", "EventRecorded", "EventStoreState",
                 "Body_upload_midi_uploads_midi_post"):
        for field, prop in schema[name]["properties"].items():
            if field == "consent":
                continue
            assert prop.get("description") and "examples" in prop, (name, field)
    props = schema["DrumsRequest"]["properties"]
    assert props["bars"]["minimum"] == 1 and props["bars"]["maximum"] == 64
    assert "trap" in props["genre"]["enum"]
