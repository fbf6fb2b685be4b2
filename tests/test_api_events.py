"""POST /feedback, /preferences, /uploads/midi, /training/batch, DELETE /users/{id}/training-data,
and verified users, through the real app on the shipped checkpoints."""

import base64
import io
import json
import time

import jwt
import mido
import pytest

from tests.conftest import CONSENT, make_client
from tests.harmony_fixtures import midi_track

OPT_IN = {**CONSENT, "training_opt_in": True}


def song_midi(bpm: float = 92, key: str | None = "Am", bars: int = 2) -> bytes:
    """A real two-track file: an A-minor line and a drum part, `bars` bars of 4/4."""
    mid = mido.MidiFile(ticks_per_beat=480)
    meta = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)),
                           mido.MetaMessage("time_signature", numerator=4, denominator=4)])
    if key:
        meta.append(mido.MetaMessage("key_signature", key=key))
    mid.tracks.append(meta)
    line = [(i * 1.0, 1.0, p) for i, p in enumerate([57, 60, 64, 62, 60, 59, 57, 64] * (bars // 2))]
    mid.tracks.append(midi_track("lead", 0, line))
    mid.tracks.append(midi_track("drums", 9, [(i * 1.0, 0.25, 36) for i in range(4 * bars)]))
    out = io.BytesIO()
    mid.save(file=out)
    return out.getvalue()


def upload(client, data: bytes, consent: dict = CONSENT, **form):
    return client.post("/uploads/midi", files={"file": ("groove.mid", data, "audio/midi")},
                       data={"consent": json.dumps(consent), **form})


def drums(client, consent: dict = CONSENT, **fields):
    r = client.post("/generate/drums", json={"consent": consent, "bars": 2, "seed": 3, **fields})
    assert r.status_code == 200, r.text
    return r.json()


def test_preferences_are_logged_and_checked(client):
    r = client.post("/preferences", json={"consent": CONSENT, "genres": ["trap", "lofi"]})
    assert r.status_code == 201
    (row,) = client.app.state.services.store.rows("genre_preferences")
    assert row["event_id"] == r.json()["event_id"] and row["genres"] == ["trap", "lofi"]
    assert client.post("/preferences", json={"consent": CONSENT, "genres": ["polka"]}
                       ).status_code == 422
    assert client.post("/preferences", json={"consent": CONSENT, "genres": ["trap", "trap"]}
                       ).status_code == 422
    r = client.post("/preferences", json={"consent": {**CONSENT, "terms_accepted": False},
                                          "genres": ["trap"]})
    assert r.status_code == 403
    assert len(client.app.state.services.store.rows("genre_preferences")) == 1


def test_feedback_on_a_users_own_generation(client):
    gen = drums(client, variations=2)
    r = client.post("/feedback", json={"consent": CONSENT, "generation_id": gen["generation_id"],
                                       "accepted": False, "variation": 1, "reason": "too busy"})
    assert r.status_code == 201
    (row,) = client.app.state.services.store.rows("feedback")
    assert (row["generation_id"], row["variation"], row["accepted"], row["reason"]) == (
        gen["generation_id"], 1, False, "too busy")
    other = {**CONSENT, "user_id": "u_other"}
    r = client.post("/feedback", json={"consent": other, "generation_id": gen["generation_id"],
                                       "accepted": True})
    assert r.status_code == 403
    r = client.post("/feedback", json={"consent": CONSENT, "accepted": True,
                                       "generation_id": "00000000-0000-4000-8000-000000000000"})
    assert r.status_code == 404
    r = client.post("/feedback", json={"consent": CONSENT, "generation_id": gen["generation_id"],
                                       "accepted": True, "variation": 2})
    assert r.status_code == 422 and "variation" in r.json()["detail"]
    assert client.post("/feedback", json={"consent": CONSENT, "generation_id": "nope",
                                          "accepted": True}).status_code == 422


def test_upload_returns_what_was_parsed_and_keeps_nothing_without_opt_in(client):
    data = song_midi()
    r = upload(client, data)
    assert r.status_code == 200, r.text
    body = r.json()
    s = body
    assert (s["bpm"], s["time_signature"], s["bars"], s["key"], s["key_source"]) == (
        92.0, "4/4", 2, "A minor", "key_signature")
    assert [(t["name"], t["is_drum"], t["notes"]) for t in s["tracks"]] == [
        ("lead", False, 8), ("drums", True, 8)]
    assert s["tracks"][1]["channels"] == [10] and s["tracks"][0]["lowest"] == 57
    assert body["stored_for_training"] is False
    store = client.app.state.services.store
    (row,) = store.rows("midi_uploads")
    assert row["event_id"] == body["upload_id"] and row["training_opt_in"] is False
    assert row["size_bytes"] == len(data) and store.rows("training_items") == []


def test_upload_with_opt_in_is_kept_as_training_material(client):
    data = song_midi(key=None)
    r = upload(client, data, OPT_IN, role="melody", genre="pop")
    assert r.status_code == 200 and r.json()["stored_for_training"] is True
    assert r.json()["key"] == "A minor"
    assert r.json()["key_source"] == "estimated"
    (item,) = client.app.state.services.store.training_material()
    assert base64.b64decode(item["midi_base64"]) == data
    assert (item["source"], item["role"], item["genre"], item["upload_id"]) == (
        "upload", "melody", "pop", r.json()["upload_id"])


@pytest.mark.parametrize("data, words", [
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", "not a Standard MIDI File"),
    (song_midi()[:40], "damaged MIDI file"),
    (b"", "not a Standard MIDI File")])
def test_upload_that_is_not_midi_gets_422_saying_so(client, data, words):
    r = upload(client, data)
    assert r.status_code == 422 and words in r.json()["detail"]
    assert client.app.state.services.store.rows("midi_uploads") == []


def test_upload_limits_and_consent(tmp_path):
    with make_client(tmp_path, MAX_UPLOAD_BYTES=2048) as c:
        big = song_midi(bars=64)
        assert len(big) > 2048
        r = upload(c, big)
        assert r.status_code == 413 and "2048" in r.json()["detail"]
        r = c.post("/uploads/midi", files={"file": ("a.mid", song_midi())}, data={"consent": "{"})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"][:2] == ["body", "consent"]
        r = upload(c, song_midi(), {**CONSENT, "terms_accepted": False})
        assert r.status_code == 403
        assert upload(c, song_midi(), role="vocals").status_code == 422
        assert c.app.state.services.store.rows("midi_uploads") == []


def test_training_batch_needs_opt_in(client):
    item = {"midi_base64": base64.b64encode(song_midi()).decode(), "role": "drums",
            "genre": "trap"}
    r = client.post("/training/batch", json={"consent": CONSENT, "items": [item]})
    assert r.status_code == 403 and "training_opt_in" in r.json()["detail"]
    assert client.app.state.services.store.rows("training_items") == []


def test_training_batch_stores_files_and_own_generations_made_again(client):
    gen = drums(client, OPT_IN, variations=2)
    data = song_midi()
    items = [{"midi_base64": base64.b64encode(data).decode(), "role": "bassline",
              "genre": "house"}, {"generation_id": gen["generation_id"], "variation": 1}]
    r = client.post("/training/batch", json={"consent": OPT_IN, "items": items})
    assert r.status_code == 202 and r.json()["accepted"] == 2
    store = client.app.state.services.store
    (batch,) = store.rows("training_batches")
    assert batch["event_id"] == r.json()["batch_id"] and batch["item_count"] == 2
    file_item, gen_item = store.training_material()
    assert base64.b64decode(file_item["midi_base64"]) == data
    # The generation is made again from its stored request and seed: the very same MIDI.
    assert gen_item["midi_base64"] == gen["variations"][1]["midi_base64"]
    assert (gen_item["source"], gen_item["role"], gen_item["genre"]) == ("generation", "drums",
                                                                         gen["params"]["genre"])


def test_training_batch_items_are_all_checked_before_any_is_kept(client):
    mine = drums(client, OPT_IN)
    theirs = drums(client, {**OPT_IN, "user_id": "u_other"})
    good = {"midi_base64": base64.b64encode(song_midi()).decode(), "role": "drums",
            "genre": "trap"}

    def batch(*items):
        return client.post("/training/batch", json={"consent": OPT_IN, "items": list(items)})

    r = batch(good, {"generation_id": theirs["generation_id"]})
    assert r.status_code == 403 and "items[1]" in r.json()["detail"]
    r = batch(good, {"generation_id": "00000000-0000-4000-8000-000000000000"})
    assert r.status_code == 422 and "items[1]" in r.json()["detail"]
    r = batch({**good, "midi_base64": "not base64!"})
    assert r.status_code == 422 and "base64" in r.json()["detail"]
    r = batch({**good, "midi_base64": base64.b64encode(b"hello world!").decode()})
    assert r.status_code == 422 and "not a Standard MIDI File" in r.json()["detail"]
    r = batch({"generation_id": mine["generation_id"], "variation": 3})
    assert r.status_code == 422 and "variation" in r.json()["detail"]
    assert batch({**good, "genre": "polka"}).status_code == 422
    assert client.post("/training/batch", json={"consent": OPT_IN, "items": []}).status_code == 422
    store = client.app.state.services.store
    assert store.rows("training_items") == [] and store.rows("training_batches") == []


def test_withdrawal_removes_material_and_a_new_opt_in_is_needed(client):
    store = client.app.state.services.store
    assert upload(client, song_midi(), OPT_IN).json()["stored_for_training"]
    assert upload(client, song_midi(), {**OPT_IN, "user_id": "u_keep"}).status_code == 200
    r = client.delete("/users/u_test/training-data")
    assert r.status_code == 200
    assert r.json()["removed_items"] == 1 and r.json()["user_id"] == "u_test"
    assert [i["user_id"] for i in store.training_material()] == ["u_keep"]
    kinds = [e["kind"] for e in store.rows("consent_events", "u_test")]
    assert kinds == ["consent", "withdrawal"]
    assert upload(client, song_midi(), CONSENT).json()["stored_for_training"] is False
    assert upload(client, song_midi(), OPT_IN).json()["stored_for_training"] is True
    assert [i["user_id"] for i in store.training_material()] == ["u_keep", "u_test"]
    assert client.delete("/users/" + "x" * 129 + "/training-data").status_code == 422


def test_a_later_request_without_opt_in_excludes_earlier_material(client):
    store = client.app.state.services.store
    upload(client, song_midi(), OPT_IN)
    assert len(store.training_material()) == 1
    drums(client, CONSENT)  # the user's consent now says no
    assert store.training_material() == []
    assert [e["training_opt_in"] for e in store.rows("consent_events", "u_test")] == [True, False]


def test_no_endpoint_stores_material_without_opt_in(tmp_path):
    """Every consent-carrying endpoint, called with training_opt_in false, keeps no training
    material: not in the training tables, not queued for the remote, nowhere in the database."""
    data = song_midi(bpm=97.5)
    b64 = base64.b64encode(data).decode()
    with make_client(tmp_path, DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
                     OUTBOX_POLL_S=30) as c:
        gens = [c.post(f"/generate/{role}", json={"consent": CONSENT, "bars": 4, "seed": 1})
                for role in ("drums", "chords", "bassline", "melody", "arrangement")]
        assert [g.status_code for g in gens] == [200] * 5
        gid = gens[0].json()["generation_id"]
        assert c.post("/feedback", json={"consent": CONSENT, "generation_id": gid,
                                         "accepted": True}).status_code == 201
        assert c.post("/preferences", json={"consent": CONSENT, "genres": ["trap"]}
                      ).status_code == 201
        assert upload(c, data, role="drums", genre="trap").status_code == 200
        r = c.post("/training/batch", json={"consent": CONSENT, "items": [
            {"midi_base64": b64, "role": "drums", "genre": "trap"}, {"generation_id": gid}]})
        assert r.status_code == 403
        store = c.app.state.services.store
        assert store.rows("training_items") == [] and store.rows("training_batches") == []
        assert store.training_material() == []
        # A generation's request can hold the user's own notes: not kept without opt-in either.
        assert [g["request"] for g in store.rows("generations")] == [None] * 5
        db = "\n".join(store._db.iterdump())
        assert b64 not in db and b64[:40] not in db
        queued = {t for (t,) in store._db.execute("SELECT DISTINCT tbl FROM outbox")}
        assert queued == {"generations", "feedback", "genre_preferences", "midi_uploads",
                          "consent_events"}


def test_health_and_metrics_show_the_backlog(tmp_path):
    with make_client(tmp_path, DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
                     OUTBOX_POLL_S=30) as c:
        for _ in range(3):
            c.post("/preferences", json={"consent": CONSENT, "genres": ["trap"]})
        state = c.get("/health").json()["event_store"]
        assert state["backend"] == "postgres" and state["backlog"] == 4  # + 1 consent event
        text = c.get("/metrics").text
        assert 'beatengine_outbox_backlog{backend="postgres"} 4.0' in text
        for _ in range(100):
            if (error := c.get("/health").json()["event_store"]["last_error"]):
                break
            time.sleep(0.02)
        # Public: what failed, never the message (connection details, row content).
        assert error.startswith("unavailable (") and "nobody" not in error
        assert 'beatengine_outbox_dead_letters{backend="postgres"} 0.0' in text
    with make_client(tmp_path / "local") as c:
        assert c.get("/health").json()["event_store"]["backend"] == "sqlite"
        assert 'beatengine_outbox_backlog{backend="sqlite"} 0.0' in c.get("/metrics").text


SECRET = "test-jwt-secret-that-is-long-enough-for-hs256"
PROJECT = "https://proj.supabase.co"


def token(sub: str, secret: str = SECRET, **claims) -> str:
    now = int(time.time())
    return jwt.encode({"sub": sub, "aud": "authenticated", "iss": f"{PROJECT}/auth/v1",
                       "role": "authenticated", "iat": now, "exp": now + 600, **claims},
                      secret, algorithm="HS256")


def test_verified_users_only_act_as_themselves(tmp_path):
    with make_client(tmp_path, SUPABASE_JWT_SECRET=SECRET, SUPABASE_URL=PROJECT) as c:
        def post(path, body, tok=None):
            headers = {"Authorization": f"Bearer {tok}"} if tok else {}
            return c.post(path, json=body, headers=headers)

        body = {"consent": CONSENT, "bars": 1, "seed": 1}
        r = post("/generate/drums", body)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
        assert post("/generate/drums", body, token("u_test", exp=int(time.time()) - 5)
                    ).status_code == 401
        assert post("/generate/drums", body, token("u_test", aud="anon")).status_code == 401
        assert post("/generate/drums", body, token("u_test", secret="x" * 40)).status_code == 401
        r = post("/generate/drums", body, token("u_other"))
        assert r.status_code == 403 and "consent.user_id" in r.json()["detail"]
        assert post("/generate/drums", body, token("u_test")).status_code == 200
        assert post("/preferences", {"consent": CONSENT, "genres": []}, token("u_other")
                    ).status_code == 403
        r = c.post("/uploads/midi", files={"file": ("a.mid", song_midi())},
                   data={"consent": json.dumps(CONSENT)},
                   headers={"Authorization": f"Bearer {token('u_other')}"})
        assert r.status_code == 403
        delete = c.delete("/users/u_test/training-data",
                          headers={"Authorization": f"Bearer {token('u_other')}"})
        assert delete.status_code == 403
        assert c.delete("/users/u_test/training-data").status_code == 401
        assert c.delete("/users/u_test/training-data",
                        headers={"Authorization": f"Bearer {token('u_test')}"}).status_code == 200
        assert c.get("/health").status_code == 200  # public state needs no token
        assert len(c.app.state.services.store.rows("generations")) == 1


def test_every_roles_generation_is_made_again_exactly_for_training(client):
    drums_gen = drums(client, OPT_IN)
    requests = {
        "chords": {"key": "D dorian", "complexity": 0.8},
        "bassline": {"chords": ["Am7", {"symbol": "F", "beats": 2}, "G"],
                     "drums": {"generation_id": drums_gen["generation_id"]}},
        "melody": {"key": "F# minor", "density": 0.7},
        "arrangement": {"sections": [{"name": "intro", "bars": 2, "energy": 0.3},
                                     {"name": "drop", "bars": 2, "energy": 1.0}]},
    }
    gens = {role: client.post(f"/generate/{role}", json={"consent": OPT_IN, "seed": 11,
                                                         "variations": 2, **body}).json()
            for role, body in requests.items()}
    items = [{"generation_id": g["generation_id"], "variation": 1} for g in gens.values()]
    r = client.post("/training/batch", json={"consent": OPT_IN, "items": items})
    assert r.status_code == 202, r.text
    stored = client.app.state.services.store.training_material()
    assert [i["role"] for i in stored] == list(requests)
    for item, gen in zip(stored, gens.values(), strict=True):
        assert item["midi_base64"] == gen["variations"][1]["midi_base64"], item["role"]


def smf(tracks: list[bytes], division: int = 480, fmt: int = 1) -> bytes:
    """A Standard MIDI File from raw track bodies: for files no library would write."""
    head = b"MThd" + (6).to_bytes(4, "big") + fmt.to_bytes(2, "big") + len(tracks).to_bytes(
        2, "big") + division.to_bytes(2, "big")
    return head + b"".join(b"MTrk" + len(t).to_bytes(4, "big") + t for t in tracks)


NOTE = b"\x00\x90\x3c\x40\x60\x80\x3c\x00"
END = b"\x00\xff\x2f\x00"


@pytest.mark.parametrize("data, words", [
    (smf([b"\x00\xff\x58\x04\x00\x02\x18\x08" + NOTE + END]), "not a metre"),  # 0/4 time
    (smf([NOTE + END], division=0xE728), "SMPTE"),                            # frames, not beats
    (smf([NOTE + END], fmt=2), "type 2")])
def test_odd_midi_files_get_422_and_nothing_is_kept(client, data, words):
    r = upload(client, data, OPT_IN)
    assert r.status_code == 422 and words in r.json()["detail"]
    item = {"midi_base64": base64.b64encode(data).decode(), "role": "drums", "genre": "trap"}
    r = client.post("/training/batch", json={"consent": OPT_IN, "items": [item]})
    assert r.status_code == 422 and words in r.json()["detail"]
    store = client.app.state.services.store
    assert store.rows("midi_uploads") == [] and store.rows("training_items") == []


def test_nul_padded_track_names_and_notes_free_files(client):
    data = smf([b"\x00\xff\x03\x04ab\x00\x00" + NOTE + END])
    r = upload(client, data, OPT_IN)
    assert r.status_code == 200 and r.json()["tracks"][0]["name"] == "ab"
    r = upload(client, smf([END]), OPT_IN)  # valid, but no notes: nothing to learn from
    assert r.status_code == 200 and r.json()["stored_for_training"] is False
    assert len(client.app.state.services.store.rows("training_items")) == 1


@pytest.mark.parametrize("consent", [
    {**CONSENT, "user_id": "a\u0000b"}, {**CONSENT, "user_id": "a\nb"},
    {**CONSENT, "terms_version": "v\u0000"}, {**CONSENT, "training_opt_in": "yes"},
    {**CONSENT, "terms_accepted": 1}])
def test_consent_must_be_clean_and_boolean(client, consent):
    r = client.post("/preferences", json={"consent": consent, "genres": []})
    assert r.status_code == 422
    assert client.app.state.services.store.rows("genre_preferences") == []


def test_text_no_backend_could_store_is_cleaned_before_it_is_logged(client):
    gen = drums(client)
    body = {"consent": CONSENT, "generation_id": gen["generation_id"], "accepted": True,
            "reason": "too\u0000 busy"}
    raw = json.dumps(body)  # json.dumps writes NUL as the escape \u0000
    r = client.post("/feedback", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 201
    (row,) = client.app.state.services.store.rows("feedback")
    assert row["reason"] == "too busy"  # Postgres refuses NUL: the remote gets what we keep
    for bad in (raw.replace("busy", "busy \\ud800"), raw.replace('"u_test"', '"\\ud800"')):
        r = client.post("/feedback", content=bad, headers={"content-type": "application/json"})
        assert r.status_code == 422  # a lone surrogate, named, never a 500


def test_requests_are_kept_only_with_opt_in_and_batches_refuse_repeats(client):
    store = client.app.state.services.store
    plain, opted = drums(client), drums(client, OPT_IN)
    assert store.get_generation(plain["generation_id"])["request"] is None
    assert store.get_generation(opted["generation_id"])["request"]["bars"] == 2
    r = client.post("/training/batch", json={"consent": OPT_IN, "items": [
        {"generation_id": plain["generation_id"]}]})
    assert r.status_code == 422 and "midi_base64" in r.json()["detail"]
    item = {"generation_id": opted["generation_id"], "variation": 0}
    r = client.post("/training/batch", json={"consent": OPT_IN, "items": [item, item]})
    assert r.status_code == 422 and "repeat" in r.json()["detail"]


def test_a_withdrawal_during_a_running_batch_wins(client, monkeypatch):
    """Consent is withdrawn while a batch is being checked: the batch stores nothing (409)."""
    import app.api.routes.training as training_route

    gen = drums(client, OPT_IN)
    store = client.app.state.services.store
    real = training_route.regenerate

    def withdraw_meanwhile(*args, **kwargs):
        store.withdraw("u_test")  # the user's DELETE lands while the batch is in flight,
        store.note_consent("u_test", "2026-01", True)  # and they even opt in again after it
        return real(*args, **kwargs)

    monkeypatch.setattr(training_route, "regenerate", withdraw_meanwhile)
    r = client.post("/training/batch", json={"consent": OPT_IN, "items": [
        {"generation_id": gen["generation_id"]}]})
    assert r.status_code == 409 and "withdrawn" in r.json()["detail"]
    assert r.json()["code"] == "conflict"
    assert store.rows("training_items") == [] and store.rows("training_batches") == []


def test_a_withdrawal_forgets_kept_requests_and_odd_user_ids_are_refused(client):
    store = client.app.state.services.store
    gen = drums(client, OPT_IN)
    assert store.get_generation(gen["generation_id"])["request"] is not None
    assert client.delete("/users/u_test/training-data").status_code == 200
    assert store.get_generation(gen["generation_id"])["request"] is None
    r = client.post("/training/batch", json={"consent": OPT_IN, "items": [
        {"generation_id": gen["generation_id"]}]})  # opted in again, but that one is gone
    assert r.status_code == 422
    for odd in ("a%00b", "a%0Ab", "a%7Fb"):
        assert client.delete(f"/users/{odd}/training-data").status_code == 422
    assert [e["user_id"] for e in store.rows("consent_events") if e["kind"] == "withdrawal"] == [
        "u_test"]
    same = base64.b64encode(song_midi()).decode()
    r = client.post("/training/batch", json={"consent": OPT_IN, "items": [
        {"midi_base64": same, "role": "drums", "genre": "trap"},
        {"midi_base64": same, "role": "melody", "genre": "pop"}]})
    assert r.status_code == 422 and "repeat" in r.json()["detail"]


def test_verified_users_with_the_projects_jwks(tmp_path, monkeypatch):
    """ES256 access tokens checked against the project's JWKS, fetched once, through the app."""
    import httpx
    from cryptography.hazmat.primitives.asymmetric import ec

    import app.core.auth as auth

    key = ec.generate_private_key(ec.SECP256R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    jwks_url = f"{PROJECT}/auth/v1/.well-known/jwks.json"
    fetched = []

    def fake_get(url, **kwargs):
        fetched.append(url)
        return httpx.Response(200, json={"keys": [{**public, "kid": "k1", "alg": "ES256",
                                                   "use": "sig"}]}, request=httpx.Request("GET", url))

    monkeypatch.setattr(auth.httpx, "get", fake_get)

    def es256(sub: str) -> str:
        now = int(time.time())
        return jwt.encode({"sub": sub, "aud": "authenticated", "iss": f"{PROJECT}/auth/v1",
                           "iat": now, "exp": now + 600}, key, algorithm="ES256",
                          headers={"kid": "k1"})

    with make_client(tmp_path, SUPABASE_JWKS_URL=jwks_url, SUPABASE_URL=PROJECT) as c:
        body = {"consent": CONSENT, "genres": ["trap"]}
        ok = c.post("/preferences", json=body, headers={"Authorization": f"Bearer {es256('u_test')}"})
        assert ok.status_code == 201
        other = c.post("/preferences", json=body,
                       headers={"Authorization": f"Bearer {es256('u_other')}"})
        assert other.status_code == 403
        hs = c.post("/preferences", json=body, headers={"Authorization": f"Bearer {token('u_test')}"})
        assert hs.status_code == 401  # no HS256 secret configured: that path is closed
        assert fetched == [jwks_url]
