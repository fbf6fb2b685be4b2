"""Behaviour unchanged: fixed requests give the same responses and MIDI bytes, and tiny training
runs the same weights, as recorded in tests/fixtures/behaviour_lock.json (see tests/behaviour_lock)."""

import json

import pytest

from tests.behaviour_lock import LOCK_FILE, request_hashes, weight_hashes
from tests.conftest import make_client


@pytest.fixture(scope="module")
def current(tmp_path_factory, tiny_model_dir, harmony_models) -> dict:
    with make_client(tmp_path_factory.mktemp("lock")) as c:
        responses = request_hashes(c)
    # the tiny drum run first: the harmony registry also holds a copy of the shipped drums
    return {"responses": responses, "weights": weight_hashes(tiny_model_dir, harmony_models)}


def test_lock(current, request):
    if request.config.getoption("--update-lock"):
        LOCK_FILE.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
        pytest.skip(f"rewrote {LOCK_FILE}")
    locked = json.loads(LOCK_FILE.read_text())
    changed = [name for name, h in locked["responses"].items() if current["responses"].get(name) != h]
    assert not changed, f"responses changed: {changed}"
    assert current["weights"] == locked["weights"], "tiny training runs give other weights"
