"""The training pipeline's shape: the typed config, `python -m training` as a real process, one data
path per role, and no import cycles in training/ (function-local imports included)."""

import ast
import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, make_client
from tests.harmony_fixtures import harmony_data_config, tiny_harmony_config
from tests.midi_fixtures import make_gmd_dir, tiny_training_config
from tests.test_api_events import OPT_IN, song_midi
from training.config import ConfigError, TrainingConfig, load_config
from training.roles import SPECS


def run_training_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "training", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_the_shipped_config_reads_and_round_trips():
    cfg = load_config(ROOT / "training" / "configs" / "local.json")
    assert cfg.roles == list(SPECS) and cfg.drums.train.max_minutes == 45
    assert cfg.chords.data.rule_songs_per_genre == 0          # a default, not in the file
    assert TrainingConfig.parse(json.loads(cfg.to_json())) == cfg


def test_a_bad_key_is_named(tmp_path):
    cfg = tiny_training_config(tmp_path / "gmd", tmp_path / "models", tmp_path / "user")
    cfg["drums"]["train"]["learning_rate"] = cfg["drums"]["train"].pop("lr")
    cfg["drums"]["train"]["epochs"] = "many"
    with pytest.raises(ConfigError) as err:
        TrainingConfig.parse(cfg, "cfg.json")
    text = str(err.value)
    assert "unknown key 'drums.train.learning_rate'" in text
    assert "missing key 'drums.train.lr'" in text and "drums.train.epochs" in text


def test_an_unknown_key_stops_the_command_before_training(tmp_path):
    cfg = tiny_training_config(make_gmd_dir(tmp_path / "gmd"), tmp_path / "models", tmp_path / "user")
    cfg["drums"]["data"]["gmd_path"] = cfg["drums"]["data"].pop("gmd_dir")
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    r = run_training_cli("train", "--config", str(tmp_path / "cfg.json"))
    assert r.returncode == 2 and "unknown key 'drums.data.gmd_path'" in r.stderr
    assert not (tmp_path / "models").exists()


def test_python_m_training_data_summarises_a_role(tmp_path):
    cfg = tiny_training_config(make_gmd_dir(tmp_path / "gmd"), tmp_path / "models", tmp_path / "user")
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    r = run_training_cli("data", "--role", "drums", "--config", str(tmp_path / "cfg.json"))
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["by_source"]["gmd"] > 0 and summary["by_source"]["rules"] == 3 * 7
    r = run_training_cli("data", "--role", "chords", "--config", str(tmp_path / "cfg.json"))
    assert r.returncode == 2 and "no section for role 'chords'" in r.stderr


def test_a_harmony_role_reads_users_material_wherever_its_data_is_read(tmp_path):
    """The data command reads the role's material as training, reindex and evaluation do
    (`RoleSpec.material`): the public datasets plus what users opted in to for that role."""
    with make_client(tmp_path) as c:
        item = {"midi_base64": base64.b64encode(song_midi(bars=8)).decode(), "role": "melody",
                "genre": "pop"}
        assert c.post("/training/batch", json={"consent": OPT_IN, "items": [item]}).status_code == 202
    data = {**harmony_data_config(tmp_path / "fixtures"),
            "event_log": str(tmp_path / "data" / "events.sqlite3")}
    (tmp_path / "cfg.json").write_text(json.dumps(tiny_harmony_config(data, tmp_path / "models")))
    by_source = {}
    for role in ("melody", "bassline"):
        r = run_training_cli("data", "--role", role, "--config", str(tmp_path / "cfg.json"))
        assert r.returncode == 0, r.stderr
        by_source[role] = json.loads(r.stdout)["by_source"]
    assert by_source["melody"]["user"] == 1 and "user" not in by_source["bassline"]


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return out


def test_training_has_no_import_cycles():
    modules = {}
    for path in (ROOT / "training").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {name: {m for m in _imports(path) if m in modules and m != name}
             for name, path in modules.items()}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph[start] - seen:
            seen.add(nxt)
            if nxt == goal or reaches(nxt, goal, seen):
                return True
        return False

    cycles = sorted(name for name in graph if reaches(name, name, set()))
    assert not cycles, f"modules on an import cycle: {cycles}"
