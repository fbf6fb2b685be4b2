"""A hostile client (issue 11): numbers that feed arithmetic are bounded, non-finite numbers are
refused on every model, integers and booleans are strict, and every answer is a quick 4xx.
Through the real app on the shipped checkpoints."""

import json
import sys
import threading
from types import SimpleNamespace

import pytest

from app.schemas.harmony import BasslineRequest
from app.services.bassline import kicks_of
from beatengine.errors import UnsupportedRequest
from tests.conftest import CONSENT, make_client

# A guard against hangs, not a speed target: a validation answer takes milliseconds, and a
# request that loops on its input never answers at all.
ANSWER_WITHIN_S = 2.0


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """One real app for the module (these requests are refused, or make small generations)."""
    with make_client(tmp_path_factory.mktemp("validation")) as c:
        yield c


def post_within(client, path: str, body: dict | str):
    """POST (a dict as JSON with a valid consent, a str as the raw body) and the response, which
    must come within ANSWER_WITHIN_S."""
    content = body if isinstance(body, str) else json.dumps({"consent": CONSENT, **body})
    result = {}

    def send() -> None:
        result["r"] = client.post(path, content=content,
                                  headers={"content-type": "application/json"})

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    sender.join(ANSWER_WITHIN_S)
    if "r" not in result:
        # Said at once: the stuck generation thread may then hold up the app's shutdown.
        message = f"{path} did not answer within {ANSWER_WITHIN_S} s: {content[:200]}"
        print(message, file=sys.__stderr__, flush=True)
        pytest.fail(message)
    return result["r"]


def assert_422_at(r, *loc_tail) -> None:
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "invalid_request"
    assert any(tuple(e["loc"][-len(loc_tail):]) == loc_tail for e in body["detail"]), body


@pytest.mark.parametrize("role", ["melody", "bassline", "chords"])
@pytest.mark.parametrize("beats", [1e-9, 5e-324, 1e-15, 1.0000000001, 0.1, 3.99999999999, 0, -4,
                                   64.25])
def test_a_chord_is_a_whole_number_of_16ths(client, role, beats):
    """Tiny lengths passed the float multiple_of check (its tolerance) and hung a generation
    thread laying out billions of chords."""
    r = post_within(client, f"/generate/{role}",
                    {"chords": [{"symbol": "Am7", "beats": beats}], "bars": 1})
    assert_422_at(r, "ChordItem", "beats")


@pytest.mark.parametrize("beats", [0.25, 0.5, 1, 2.75, 64])
def test_chord_lengths_on_the_grid_still_play(client, beats):
    r = post_within(client, "/generate/bassline",
                    {"chords": [{"symbol": "Am7", "beats": beats}], "bars": 1, "seed": 1})
    assert r.status_code == 200, r.text
    assert r.json()["variations"][0]["chords"][0]["beats"] == min(beats, 4)


OUT_OF_RANGE = ["1e308", "1e999", "Infinity", "-Infinity", "NaN", "-1", "0", "false"]


@pytest.mark.parametrize(("field", "raw"), [("start", r) for r in [*OUT_OF_RANGE[:-2], "256", "false"]]
                         + [("duration", r) for r in [*OUT_OF_RANGE, "256.25"]])
def test_drum_note_times_are_finite_and_within_the_longest_clip(client, field, raw):
    """`start` 1e308 (or Infinity) was a 500: an OverflowError turning it into a 16th step. A
    note starts before beat 256 and lasts at most 256 beats (64 bars of 4/4, the longest clip)."""
    note = {"pitch": 36, "start": 0, "duration": 0.25, "velocity": 100}
    note_json = json.dumps(note).replace(f'"{field}": {note[field]}', f'"{field}": {raw}')
    body = (f'{{"consent": {json.dumps(CONSENT)}, "chords": ["Am"], "bars": 1, '
            f'"drums": [{note_json}]}}')
    assert_422_at(post_within(client, "/generate/bassline", body), "list[NoteOut]", 0, field)


def test_a_drum_part_at_the_end_of_the_longest_clip_still_locks(client):
    kicks = [{"pitch": 36, "start": s, "duration": 0.25, "velocity": 100} for s in (0, 255.75)]
    r = post_within(client, "/generate/bassline", {"chords": ["Am"], "bars": 64, "seed": 2,
                                                   "drums": kicks})
    assert r.status_code == 200, r.text
    assert r.json()["params"]["locked_to_kicks"] is True


@pytest.mark.parametrize("start", [float("inf"), float("-inf"), float("nan"), 1e308, -1e308,
                                   2.0**63, 1e-300])
def test_kicks_never_overflow_whatever_the_core_passes(start):
    """Called with unchecked notes (model_construct skips validation, as a caller from the core
    might), a time far outside the clip is ignored instead of overflowing; a tiny one is beat 0."""
    odd = SimpleNamespace(pitch=36, start=start, duration=0.25, velocity=100)
    kick = SimpleNamespace(pitch=36, start=1.0, duration=0.25, velocity=100)
    req = BasslineRequest.model_construct(drums=[odd, kick], time_signature="4/4", bars=2)
    steps, _ = kicks_of(req, store=None, models=None)
    assert steps is not None and len(steps) == 32 and steps[4]
    assert steps[0] == (start == 1e-300)
    alone = BasslineRequest.model_construct(drums=[odd], time_signature="4/4", bars=2)
    if start == 1e-300:
        assert kicks_of(alone, store=None, models=None)[0][0]
    else:
        with pytest.raises(UnsupportedRequest, match="no kicks"):
            kicks_of(alone, store=None, models=None)


def request_schemas(client) -> dict[str, dict]:
    """Each JSON request body schema of the OpenAPI, by operation path."""
    spec = client.get("/openapi.json").json()
    out = {}
    for path, ops in spec["paths"].items():
        body = ops.get("post", {}).get("requestBody", {}).get("content", {})
        if "application/json" in body:
            ref = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            out[path] = spec["components"]["schemas"][ref]
    return out


def types_of(prop: dict) -> set[str]:
    return {prop["type"]} if "type" in prop else {p.get("type") for p in prop.get("anyOf", [])}


def number_fields(client) -> list[tuple[str, str]]:
    return [(path, field) for path, s in request_schemas(client).items()
            for field, prop in s["properties"].items() if "number" in types_of(prop)]


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused_by_every_model(client, raw):
    fields = number_fields(client)
    assert len(fields) >= 20  # bpm, temperature, density, swing, complexity, chromaticism, ...
    for path, field in fields:
        body = f'{{"consent": {json.dumps(CONSENT)}, "{field}": {raw}}}'
        r = post_within(client, path, body)
        assert r.status_code == 422 and any(e["loc"] == ["body", field] for e in r.json()["detail"]), \
            (path, field, r.text)
    nested = [("/generate/arrangement", '"sections": [{"name": "a", "bars": 4, "energy": %s}]',
               ("sections", 0, "energy")),
              ("/generate/chords", '"chords": [{"symbol": "Am", "beats": %s}]',
               ("ChordItem", "beats"))]
    for path, fragment, loc in nested:
        body = f'{{"consent": {json.dumps(CONSENT)}, {fragment % raw}}}'
        assert_422_at(post_within(client, path, body), *loc)


@pytest.mark.parametrize(("path", "body", "loc"), [
    ("/generate/drums", {"fills": False}, ("fills",)),
    ("/generate/drums", {"fills": 4.0}, ("fills",)),
    ("/generate/drums", {"variations": 8.0}, ("variations",)),
    ("/generate/drums", {"bars": "4"}, ("bars",)),
    ("/generate/drums", {"seed": 1.0}, ("seed",)),
    ("/generate/drums", {"bpm": "140"}, ("bpm",)),
    ("/generate/drums", {"density": True}, ("density",)),
    ("/generate/drums", {"drum_map": {"kick": 34.0}}, ("drum_map", "kick")),
    ("/generate/chords", {"complexity": False}, ("complexity",)),
    ("/generate/chords", {"chords_per_bar": 2.0}, ("chords_per_bar",)),
    ("/generate/chords", {"chords_per_bar": True}, ("chords_per_bar",)),
    ("/generate/melody", {"register_low": 60.0}, ("register_low",)),
    ("/generate/arrangement", {"sections": [{"name": "a", "bars": 4, "energy": False}]},
     ("sections", 0, "energy")),
    ("/generate/arrangement", {"sections": [{"name": "a", "bars": 4.0}]}, ("sections", 0, "bars")),
    ("/generate/bassline", {"chords": ["Am"], "drums": [
        {"pitch": 36, "start": False, "duration": 0.25, "velocity": 100}]},
     ("list[NoteOut]", 0, "start")),
    ("/generate/bassline", {"chords": ["Am"], "drums": [
        {"pitch": 36.0, "start": 0, "duration": 0.25, "velocity": 100}]},
     ("list[NoteOut]", 0, "pitch")),
    ("/generate/bassline", {"chords": ["Am"], "drums": {"generation_id": "x", "variation": 1.0}},
     ("DrumsRef", "variation")),
    ("/feedback", {"generation_id": "0b9f7c1e-8d55-4bb8-9a8c-3c0f3c7f1d2a", "accepted": 1},
     ("accepted",)),
    ("/feedback", {"generation_id": "0b9f7c1e-8d55-4bb8-9a8c-3c0f3c7f1d2a", "accepted": True,
                   "variation": 0.0}, ("variation",)),
    ("/feedback", {"generation_id": 5, "accepted": True}, ("generation_id",)),
    ("/training/batch", {"items": [{"generation_id": "0b9f7c1e-8d55-4bb8-9a8c-3c0f3c7f1d2a",
                                    "variation": True}]}, ("variation",)),
])
def test_integers_and_booleans_are_strict(client, path, body, loc):
    assert_422_at(post_within(client, path, body), *loc)


def test_consent_booleans_are_strict(client):
    for value in (1, "true", 0):
        r = post_within(client, "/generate/drums", {"consent": {**CONSENT, "terms_accepted": value}})
        assert_422_at(r, "consent", "terms_accepted")


def test_what_the_contract_allows_is_still_accepted(client):
    """Integers for number fields, UUID strings, enum and Literal strings."""
    r = post_within(client, "/generate/drums", {"bpm": 140, "density": 1, "swing": 0,
                                                "temperature": 1, "time_signature": "3/4",
                                                "genre": "trap", "bars": 1, "fills": 0})
    assert r.status_code == 200, r.text
    r = post_within(client, "/generate/chords", {"chords_per_bar": 2, "voicing": "pad",
                                                 "complexity": 1, "bars": 1, "key": "D dorian"})
    assert r.status_code == 200, r.text
    gid = r.json()["generation_id"]
    r = post_within(client, "/feedback", {"generation_id": gid, "accepted": True})
    assert r.status_code == 201, r.text
    r = post_within(client, "/feedback", {"generation_id": "0b9f7c1e-8d55-4bb8-9a8c-3c0f3c7f1d2a",
                                          "accepted": False})
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def example_of(prop: dict, spec: dict):
    if "examples" in prop:
        return prop["examples"][0]
    ref = prop.get("$ref") or next((p["$ref"] for p in prop.get("anyOf", []) if "$ref" in p), None)
    target = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return {f: example_of(p, spec) for f, p in target["properties"].items()}


@pytest.mark.parametrize("role", ["drums", "chords", "bassline", "melody", "arrangement"])
def test_every_documented_example_plays(client, role):
    """A request made of every field's documented example is answered with 200: e.g. the
    bassline's register example (28-55) is not the melody's (60-84), which it cannot play."""
    spec = client.get("/openapi.json").json()
    ref = spec["paths"][f"/generate/{role}"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]["$ref"]
    props = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
    body = {field: example_of(prop, spec) for field, prop in props.items()}
    r = client.post(f"/generate/{role}", json=body)
    assert r.status_code == 200, (body, r.text)


def test_every_request_field_has_a_description_an_example_and_bounds(client):
    spec = client.get("/openapi.json").json()["components"]["schemas"]
    request_models = [name for name in spec if name.endswith(("Request", "Item", "Ref", "In"))
                      or name in ("Consent", "NoteOut")]
    assert len(request_models) >= 14
    for name in request_models:
        for field, prop in spec[name]["properties"].items():
            if field == "consent":
                continue
            assert prop.get("description") and "examples" in prop, (name, field)
            numeric = [p for p in prop.get("anyOf", [prop]) if p.get("type") in ("integer", "number")]
            for p in numeric:  # a number that feeds arithmetic has both ends bounded
                listed = "enum" in prop or "enum" in p
                assert ("minimum" in p or "exclusiveMinimum" in p or listed) and \
                    ("maximum" in p or "exclusiveMaximum" in p or listed), (name, field)


def test_a_kept_request_that_no_longer_validates_is_a_422_when_made_again(client):
    """A generation kept before note times were bounded (a drum part reaching past 64 bars):
    offering it as training material is refused saying why, never a 500."""
    opt_in = {**CONSENT, "training_opt_in": True}
    kick = {"pitch": 36, "start": 0, "duration": 0.25, "velocity": 100}
    r = client.post("/generate/bassline", json={"consent": opt_in, "chords": ["Am"], "bars": 1,
                                                "seed": 1, "drums": [kick]})
    assert r.status_code == 200, r.text
    gid = r.json()["generation_id"]
    store = client.app.state.services.store
    request = store.get_generation(gid)["request"]
    request["drums"].append({**kick, "start": 300.0})
    with store._transaction() as db:  # as an older version stored it
        db.execute("UPDATE generations SET request = ? WHERE event_id = ?", (json.dumps(request), gid))
    r = post_within(client, "/training/batch", {"consent": opt_in, "items": [{"generation_id": gid}]})
    assert r.status_code == 422 and "no longer accepts" in r.json()["detail"]
