"""A tiny training run through the real entry point, loaded by the real service."""

import json
import shutil

from tests.conftest import CONSENT, make_client
from tests.midi_fixtures import tiny_training_config
from training.run_training import main


def test_trained_checkpoint_is_published_and_served(tiny_model_dir, tmp_path):
    version_dir = tiny_model_dir / "checkpoints" / "drums" / "1.0.0"
    manifest = json.loads((version_dir / "manifest.json").read_text())
    assert manifest["training_data"]["by_source"]["gmd"] > 0
    assert manifest["training_data"]["by_source"]["rules"] == 3 * 7
    assert manifest["metrics"]["epochs"] >= 1 and manifest["metrics"]["device"] == "cpu"
    assert manifest["model_config"]["hidden"] == 24
    with make_client(tmp_path, model_dir=tiny_model_dir) as c:
        assert c.get("/health").json()["models"]["drums"] == "1.0.0"
        r = c.post("/generate/drums", json={"consent": CONSENT, "genre": "rock", "bars": 2,
                                            "seed": 1})
        assert r.status_code == 200 and r.json()["model"]["version"] == "1.0.0"


def test_training_again_writes_the_next_version(tiny_model_dir, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_model_dir, models)
    cfg_path = tiny_model_dir.parent / "config.json"
    assert main(["--config", str(cfg_path), "--model-dir", str(models)]) == 0
    versions = sorted(p.name for p in (models / "checkpoints" / "drums").iterdir())
    assert versions == ["1.0.0", "1.1.0"]


def test_training_without_data_stops_with_a_clear_message(tmp_path, capsys):
    cfg = tiny_training_config(tmp_path / "no_gmd", tmp_path / "models", tmp_path / "no_user")
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    assert main(["--config", str(tmp_path / "c.json")]) == 1
    err = capsys.readouterr().err
    assert "No drum MIDI found" in err and str(tmp_path / "no_user") in err
    assert not (tmp_path / "models").exists()


def test_calibrate_republishes_with_touches_and_variety(tiny_model_dir, tmp_path):
    """The trained config carries the training takes' touches and the calibrated variety of the
    genres learned from drummers; `calibrate` republishes them as the next patch version."""
    from training.cli import main as cli

    config = json.loads((tiny_model_dir / "checkpoints" / "drums" / "1.0.0" / "config.json")
                        .read_text())
    assert config["touch"]["rock"] and len(config["touch"]["rock"][0]) == 6
    assert all(0 <= v <= 1 for v in config["variety"].values())
    assert "trap" not in config["variety"]              # programmed genres keep the convention
    models = tmp_path / "models"
    shutil.copytree(tiny_model_dir, models)
    cfg_path = tiny_model_dir.parent / "config.json"
    assert cli(["calibrate", "--role", "drums", "--from-version", "1.0.0", "--config",
                str(cfg_path), "--model-dir", str(models)]) == 0
    patched = models / "checkpoints" / "drums" / "1.0.1"
    manifest = json.loads((patched / "manifest.json").read_text())
    assert manifest["derived_from"] == "1.0.0" and not manifest.get("promoted")
    assert json.loads((patched / "config.json").read_text())["touch"] == config["touch"]
