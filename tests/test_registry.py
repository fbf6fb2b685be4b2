"""The checkpoint registry: versions, manifests, hashes, atomic publishing."""

import json

from beatengine.checkpoints import Registry, parse_version, verify


def _publish(reg: Registry, payload: bytes = b"weights") -> str:
    return reg.publish("drums", {"model.safetensors": payload, "config.json": b"{}"},
                       {"model_config": {}, "metrics": {"x": 1}}).version


def test_versions_increase_and_manifest_hashes_every_file(tmp_path):
    reg = Registry(tmp_path)
    assert [_publish(reg) for _ in range(3)] == ["1.0.0", "1.1.0", "1.2.0"]
    assert reg.next_version("drums", "major") == "2.0.0"
    assert reg.next_version("drums", "patch") == "1.2.1"
    manifest = verify(tmp_path / "checkpoints" / "drums" / "1.2.0")
    assert set(manifest["files"]) == {"model.safetensors", "config.json"}
    assert manifest["version"] == "1.2.0" and manifest["created_at"] and manifest["metrics"]
    assert not list((tmp_path / "checkpoints" / "drums").glob(".publish-*"))


def test_tampered_or_incomplete_checkpoints_are_skipped(tmp_path):
    reg = Registry(tmp_path)
    _publish(reg, b"good")
    _publish(reg, b"newer")
    _publish(reg, b"newest")
    role_dir = tmp_path / "checkpoints" / "drums"
    (role_dir / "1.2.0" / "model.safetensors").write_bytes(b"tampered")
    (role_dir / "1.1.0" / "manifest.json").unlink()
    (role_dir / "9.9.9").mkdir()                       # half-written, no manifest
    by_version = {c.version: c for c in reg.checkpoints("drums")}
    assert "sha256 mismatch" in by_version["1.2.0"].error
    assert "manifest" in by_version["1.1.0"].error
    assert reg.latest_valid("drums").version == "1.0.0"


def test_manifest_version_must_match_its_directory(tmp_path):
    reg = Registry(tmp_path)
    _publish(reg)
    d = tmp_path / "checkpoints" / "drums" / "1.0.0"
    m = json.loads((d / "manifest.json").read_text())
    m["version"] = "3.0.0"
    (d / "manifest.json").write_text(json.dumps(m))
    assert reg.latest_valid("drums") is None


def test_semver_order_is_numeric():
    assert parse_version("1.10.0") > parse_version("1.9.3")
    assert parse_version("v1.0") is None
