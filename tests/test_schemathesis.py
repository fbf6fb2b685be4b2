"""Schemathesis against the real app: every operation of /openapi.json, with cases made from the
schema (its examples, random valid and invalid data), sent over ASGI to the app with its lifespan,
the shipped models and a fresh event store. Every answer must be no 5xx, a status the operation
documents, with the documented content type and body schema, and quick.

Consent is made valid in every request (terms accepted, training_opt_in either way), so requests
get past the consent check and reach generation, storage and parsing; half the uploads carry a
real MIDI file, so parsing is reached too. Reproducible: fixed seeds, derandomized Hypothesis.

SCHEMATHESIS_COVERAGE=1 adds Schemathesis' coverage phase (every boundary and wrong type of every
field, ~2000 requests, about two minutes here) for a deeper run."""

import base64
import json
import os
import time
import zlib
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.core.config import Settings
from app.main import create_app
from eventlog.store import EventStore
from tests.conftest import SHIPPED_MODELS
from tests.test_api_events import song_midi

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
# The biggest request (a 64-bar arrangement, 4 variations) takes about a second here; far more
# means a loop the input drives.
SLOWEST_REQUEST_S = 5.0
# Fuzzed cases per operation (the examples phase adds a few): ~450 requests, well under a minute.
FUZZ_EXAMPLES = 40
COVERAGE = os.environ.get("SCHEMATHESIS_COVERAGE") == "1"
CONFIG = schemathesis.Config.from_dict({
    "seed": 11,
    "generation": {"mode": "all", "deterministic": True},
    "phases": {"coverage": {"enabled": COVERAGE}, "stateful": {"enabled": False}},
})
MIDI_FILE = song_midi()

# The operations come from the app's own OpenAPI (it does not depend on the settings); requests
# go to `fuzz_app`, a real app made for this module.
schema = schemathesis.openapi.from_dict(create_app(Settings(MODEL_DIR=SHIPPED_MODELS)).openapi(),
                                        config=CONFIG)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The real app on the shipped models and a fresh event store, no daily limit in the way.
    Schemathesis starts its lifespan with an operation's first request and ends it after the
    operation's test."""
    yield create_app(Settings(MODEL_DIR=SHIPPED_MODELS, LEGAL_GENERATION_LIMIT=1_000_000,
                              DATA_DIR=tmp_path_factory.mktemp("fuzz") / "data"))
    shutdown_lifespans()


def with_valid_consent(case: schemathesis.Case) -> None:
    """Every POST body holds `consent` (JSON, or JSON text in the multipart upload): make it one
    that passes, opting in to training for about half the cases; and give about half the uploads
    and batch files a real MIDI file. Both picked from the case itself, so a case replays the
    same way."""
    if case.method != "POST" or not isinstance(case.body, dict):
        return
    pick = zlib.crc32(repr(case.body).encode())
    consent = {"user_id": "u_fuzz", "terms_version": "2026-01", "terms_accepted": True,
               "training_opt_in": pick % 2 == 1}
    multipart = case.media_type == "multipart/form-data"
    case.body["consent"] = json.dumps(consent) if multipart else consent
    if pick % 4 < 2:
        return
    if multipart and "file" in case.body:
        case.body["file"] = MIDI_FILE
    for item in case.body.get("items") or []:
        if isinstance(item, dict) and "midi_base64" in item:
            item["midi_base64"] = base64.b64encode(MIDI_FILE).decode("ascii")


@schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate, Phase.shrink],
          suppress_health_check=list(HealthCheck))
def test_every_operation_conforms(case: schemathesis.Case, fuzz_app: FastAPI) -> None:
    with_valid_consent(case)
    started = time.perf_counter()
    response = case.call(app=fuzz_app, timeout=30)
    elapsed = time.perf_counter() - started
    case.validate_response(response, checks=CHECKS)
    assert elapsed < SLOWEST_REQUEST_S, f"{case.method} {case.path} took {elapsed:.1f} s"


def test_the_fuzzing_reached_generation_and_storage(fuzz_app: FastAPI) -> None:
    """The cases above got past consent to every model and to the stores (a registry without
    models would answer 503, which is documented, and hide every generation path)."""
    store = EventStore(fuzz_app.state.services.store.path)  # the app's closed with its lifespan
    try:
        roles = {g["role"] for g in store.rows("generations") if g["model_version"]}
        assert roles == {"drums", "chords", "bassline", "melody", "arrangement"}
        assert store.rows("midi_uploads") and store.rows("training_batches")
    finally:
        store.close()
