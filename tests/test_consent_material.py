"""Material from before an opt-out (a request without training_opt_in) or a withdrawal is never
read by training again, even after the user opts in again, unless they send it again: the
training_material view in SQLite and in the real Postgres, and the store's refusal (409) of a
request during which the user opted out."""

import asyncio
import uuid

import pytest

from eventlog.material import read_material
from eventlog.postgres_remote import PostgresRemote
from eventlog.store import EventStore, NotOptedIn, iso, new_id
from tests.conftest import CONSENT
from tests.test_api_events import OPT_IN, drums, song_midi, upload


def test_material_hidden_by_an_opt_out_does_not_come_back_with_a_new_opt_in(client):
    store = client.app.state.services.store
    files = [song_midi(bpm=90 + i) for i in range(3)]
    for data in files:
        assert upload(client, data, OPT_IN).json()["stored_for_training"]
    assert len(store.training_material()) == 3
    drums(client, CONSENT)  # a request without training_opt_in: the user's consent says no
    assert store.training_material() == []
    again = upload(client, song_midi(bpm=120), OPT_IN).json()  # opted in again, a new file
    assert [m["upload_id"] for m in store.training_material()] == [again["upload_id"]]
    assert len(store.rows("training_items")) == 4  # kept, but never read
    resent = upload(client, files[0], OPT_IN).json()  # sending old material again brings it in
    assert {m["upload_id"] for m in store.training_material()} == {again["upload_id"],
                                                                   resent["upload_id"]}


def test_a_batch_during_which_the_user_opted_out_and_in_again_stores_nothing(client, monkeypatch):
    import app.api.routes.training as training_route

    gen = drums(client, OPT_IN)
    store = client.app.state.services.store
    real = training_route.regenerate

    def opt_out_and_in_meanwhile(*args, **kwargs):
        store.note_consent("u_test", "2026-01", False)  # another request of theirs says no,
        store.note_consent("u_test", "2026-01", True)   # and a later one yes again
        return real(*args, **kwargs)

    monkeypatch.setattr(training_route, "regenerate", opt_out_and_in_meanwhile)
    r = client.post("/training/batch", json={"consent": OPT_IN, "items": [
        {"generation_id": gen["generation_id"]}]})
    assert r.status_code == 409 and "training_opt_in" in r.json()["detail"]
    assert store.rows("training_items") == [] and store.rows("training_batches") == []


def _item(user: str, at: str) -> dict:
    return {"event_id": new_id(), "user_id": user, "batch_id": new_id(), "source": "midi",
            "role": "drums", "genre": "trap", "midi_base64": "TVRoZA==", "sha256": "ab",
            "training_opt_in": True, "created_at": at}


def _consent(user: str, opt_in: bool, at: str) -> dict:
    return {"event_id": new_id(), "user_id": user, "kind": "consent", "terms_version": "2026-01",
            "terms_accepted": True, "training_opt_in": opt_in, "created_at": at}


def test_the_store_refuses_material_of_a_request_older_than_an_opt_out(tmp_path):
    store = EventStore(tmp_path / "events.sqlite3")
    store.note_consent("u1", "2026-01", True)
    checked_at = iso()
    store.note_consent("u1", "2026-01", False)
    store.note_consent("u1", "2026-01", True)
    with pytest.raises(NotOptedIn, match="opted out"):
        store.add(("training_items", _item("u1", iso())), consented_at=checked_at)
    store.add(("training_items", _item("u1", iso())), consented_at=iso())  # a new request may


def test_postgres_view_leaves_out_material_from_before_an_opt_out(pg_url):
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    old, new = _item(a, "2026-11-01T00:00:00+00:00"), _item(a, "2026-11-05T00:00:00+00:00")
    other = _item(b, "2026-11-01T00:00:00+00:00")
    consents = [_consent(a, True, "2026-10-31T00:00:00+00:00"),
                _consent(a, False, "2026-11-02T00:00:00+00:00"),  # a request without opt-in
                _consent(a, True, "2026-11-03T00:00:00+00:00"),
                _consent(b, True, "2026-10-31T00:00:00+00:00")]

    async def deliver():
        remote = PostgresRemote(pg_url)
        try:
            await remote.upsert("training_items", [old, new, other])
            await remote.upsert("consent_events", consents)
        finally:
            await remote.close()

    asyncio.run(deliver())
    got = read_material(pg_url, "drums")
    assert sorted(m.event_id for m in got) == sorted([new["event_id"], other["event_id"]])
