"""One error body for every error: `{"detail": ..., "code": ...}` (ErrorOut), from every source
(our HTTPExceptions, FastAPI's and Starlette's, validation, the body-size middleware, a bug), and
documented in the OpenAPI for every status each operation can answer. Through the real app."""

import json
import threading
import time

import jwt
import pytest
from fastapi.testclient import TestClient

from app.schemas.errors import ERROR_CODES, ErrorOut
from tests.conftest import CONSENT, make_client

SECRET = "a-project-jwt-secret-that-is-long-enough-for-hs256"
PROJECT = "https://proj.supabase.co"


def error(r, status: int, code: str) -> str | list:
    """The response is `status` with exactly ErrorOut's keys and `code`; returns the detail."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"detail", "code"} and body["code"] == code, body
    ErrorOut.model_validate(body)
    return body["detail"]


def test_validation_errors_keep_fastapis_list(client):
    detail = error(client.post("/generate/drums", json={"consent": CONSENT, "bars": 65}), 422,
                   "invalid_request")
    assert detail[0]["loc"] == ["body", "bars"] and detail[0]["type"] == "less_than_equal"
    not_json = client.post("/generate/drums", content="{", headers={"content-type": "application/json"})
    assert error(not_json, 422, "invalid_request")[0]["type"] == "json_invalid"


def test_our_422s_keep_their_sentences(client):
    r = client.post("/generate/chords", json={"consent": CONSENT, "bars": 1, "chords_per_bar": 3})
    assert "chords_per_bar" in error(r, 422, "invalid_request")


@pytest.mark.parametrize("body", [b'{"bars": 1\xff}', b'{"bars": ' + b"9" * 5000 + b"}"])
def test_a_body_that_cannot_be_parsed_is_400(client, body):
    r = client.post("/generate/drums", content=body, headers={"content-type": "application/json"})
    assert "parsing the body" in error(r, 400, "malformed_body")


def test_routes_and_methods_that_do_not_exist(client):
    assert error(client.get("/no/such/route"), 404, "not_found") == "Not Found"
    r = client.get("/generate/drums")
    assert error(r, 405, "method_not_allowed") and r.headers["allow"] == "POST"


def test_consent_refused_and_another_users_data_are_told_apart(client):
    refused = {**CONSENT, "terms_accepted": False}
    r = client.post("/generate/drums", json={"consent": refused})
    assert "nothing was generated" in error(r, 403, "consent_refused")
    r = client.post("/training/batch", json={"consent": CONSENT, "items": [
        {"generation_id": "0b9f7c1e-8d55-4bb8-9a8c-3c0f3c7f1d2a"}]})
    assert "training_opt_in" in error(r, 403, "consent_refused")
    gid = client.post("/generate/drums", json={"consent": CONSENT, "bars": 1}).json()["generation_id"]
    r = client.post("/feedback", json={"consent": {**CONSENT, "user_id": "u_other"},
                                       "generation_id": gid, "accepted": True})
    assert "another user" in error(r, 403, "forbidden")
    r = client.post("/feedback", json={"consent": CONSENT, "accepted": True,
                                       "generation_id": "0b9f7c1e-8d55-4bb8-9a8c-3c0f3c7f1d2a"})
    assert error(r, 404, "not_found").startswith("no generation")


def test_too_large_from_the_middleware_and_from_an_upload(tmp_path):
    with make_client(tmp_path, MAX_BODY_BYTES=4096, MAX_UPLOAD_BYTES=1024) as c:
        r = c.post("/generate/drums", content="x" * 5000, headers={"content-type": "application/json"})
        assert "larger than" in error(r, 413, "payload_too_large")
        chunked = c.post("/generate/drums", content=iter([b"x" * 2000] * 3),
                         headers={"content-type": "application/json"})
        error(chunked, 413, "payload_too_large")
        r = c.post("/uploads/midi", files={"file": ("a.mid", b"M" * 2000)},
                   data={"consent": json.dumps(CONSENT)})
        assert "1024 bytes" in error(r, 413, "payload_too_large")


def test_rate_limited_keeps_retry_after(tmp_path):
    with make_client(tmp_path, LEGAL_GENERATION_LIMIT=1) as c:
        body = {"consent": CONSENT, "bars": 1}
        assert c.post("/generate/drums", json=body).status_code == 200
        r = c.post("/generate/drums", json=body)
        assert "limit" in error(r, 429, "rate_limited") and int(r.headers["Retry-After"]) > 0


def test_no_model_is_model_unavailable(tmp_path):
    with make_client(tmp_path, model_dir=tmp_path / "empty") as c:
        r = c.post("/generate/melody", json={"consent": CONSENT})
        assert "no melody model" in error(r, 503, "model_unavailable")


def test_overloaded_keeps_retry_after(tmp_path):
    with make_client(tmp_path, MAX_CONCURRENT_GENERATIONS=1, MAX_QUEUED_GENERATIONS=0) as c:
        runner, release = c.app.state.services.runner, threading.Event()
        busy = c.portal.start_task_soon(runner.run, release.wait)  # the one slot, taken
        try:
            while runner.in_flight == 0:
                time.sleep(0.01)
            r = c.post("/generate/drums", json={"consent": CONSENT, "bars": 1})
            assert error(r, 503, "overloaded").startswith("overloaded") and r.headers["Retry-After"]
        finally:
            release.set()
            busy.result(timeout=10)


def test_unauthorized_in_verified_mode(tmp_path):
    with make_client(tmp_path, SUPABASE_JWT_SECRET=SECRET, SUPABASE_URL=PROJECT) as c:
        r = c.post("/generate/drums", json={"consent": CONSENT})
        assert error(r, 401, "unauthorized") == "missing Authorization header"
        assert r.headers["WWW-Authenticate"] == "Bearer"
        token = jwt.encode({"sub": "u_someone", "aud": "authenticated", "iss": f"{PROJECT}/auth/v1",
                            "exp": int(time.time()) + 60}, SECRET, algorithm="HS256")
        r = c.post("/generate/drums", json={"consent": CONSENT},
                   headers={"Authorization": f"Bearer {token}"})
        assert "consent.user_id" in error(r, 403, "forbidden")


def test_a_bug_is_a_500_with_the_same_shape_and_no_internals(tmp_path):
    with make_client(tmp_path) as c:
        def boom() -> None:
            raise RuntimeError("secret row content")
        c.app.add_api_route("/boom", boom)
        r = TestClient(c.app, raise_server_exceptions=False).get("/boom")
        assert error(r, 500, "internal_error") == "internal error" and "secret" not in r.text


def test_every_error_status_is_documented_with_error_out(client):
    spec = client.get("/openapi.json").json()
    expected = {"/generate/drums": {"400", "401", "403", "408", "413", "422", "429", "503"},
                "/feedback": {"400", "401", "403", "408", "404", "413", "422", "503"},
                "/preferences": {"400", "401", "403", "408", "413", "422", "503"},
                "/uploads/midi": {"400", "401", "403", "408", "409", "413", "422", "503"},
                "/training/batch": {"400", "401", "403", "408", "409", "413", "422", "503"},
                "/users/{user_id}/training-data": {"401", "403", "422", "503"}}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            errors = {s for s in op["responses"] if s[0] in "45"}
            if path in expected:
                assert errors == expected[path], (method, path, errors)
            elif path.startswith("/generate/"):
                assert errors == expected["/generate/drums"], path
            for status in errors:
                content = op["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
                assert content["example"]["code"] in ERROR_CODES
    codes = spec["components"]["schemas"]["ErrorOut"]["properties"]["code"]
    assert set(codes["enum"]) == set(ERROR_CODES) and codes["description"]
