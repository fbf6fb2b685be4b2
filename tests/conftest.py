import base64
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import mido
import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.harmony_fixtures import harmony_data_config, tiny_harmony_config
from tests.midi_fixtures import make_gmd_dir, tiny_training_config

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_MODELS = ROOT / "models"

CONSENT = {"user_id": "u_test", "terms_version": "2026-01", "terms_accepted": True,
           "training_opt_in": False}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-lock", action="store_true",
                     help="rewrite tests/fixtures/behaviour_lock.json (see tests/behaviour_lock.py)")


def make_client(tmp_path: Path, model_dir: Path = SHIPPED_MODELS, **overrides) -> TestClient:
    settings = Settings(MODEL_DIR=model_dir, DATA_DIR=tmp_path / "data", **overrides)
    return TestClient(create_app(settings))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """The real app (lifespan included) on the shipped checkpoints and a fresh event store."""
    with make_client(tmp_path) as c:
        yield c


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry holding one tiny drum model trained on fixture data through the real entry point."""
    from training.run_training import main

    base = tmp_path_factory.mktemp("tiny")
    cfg = tiny_training_config(make_gmd_dir(base / "gmd"), base / "models", base / "user")
    (base / "config.json").write_text(json.dumps(cfg))
    assert main(["--config", str(base / "config.json")]) == 0
    return base / "models"


@pytest.fixture(scope="session")
def harmony_models(tmp_path_factory) -> Path:
    """A registry with tiny chords, bassline and melody models trained from fixture songs by the
    real entry point, plus the shipped drums."""
    from training.run_training import main as run_training

    base = tmp_path_factory.mktemp("harmony")
    cfg = tiny_harmony_config(harmony_data_config(base / "data"), base / "models")
    (base / "config.json").write_text(json.dumps(cfg))
    assert run_training(["--config", str(base / "config.json")]) == 0
    shutil.copytree(SHIPPED_MODELS / "checkpoints" / "drums", base / "models" / "checkpoints" / "drums")
    return base / "models"


def decode_midi(variation: dict) -> mido.MidiFile:
    return mido.MidiFile(file=io.BytesIO(base64.b64decode(variation["midi_base64"])))


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database on the real PostgreSQL, with supabase/migrations applied (skips, saying
    why, where no PostgreSQL can be had)."""
    from eventlog.migrate import migrate
    from tests.postgres_fixtures import create_database, drop_database, server_url, with_database

    server = server_url()
    name = create_database(server)
    url = with_database(server, name)
    migrate(url)
    try:
        yield url
    finally:
        drop_database(server, name)
