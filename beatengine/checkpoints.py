"""The model registry: semantic-versioned checkpoints under `<MODEL_DIR>/checkpoints/<role>/<semver>/`.

Each version directory holds its files (weights as safetensors, config as JSON) and a
`manifest.json` with the version, the model config, the sha256 of every file, a training data
summary, metrics and created_at. A version is published by writing a temporary directory and renaming
it into place, so readers never see half a checkpoint. A version whose manifest is missing or whose
files do not match their hashes is invalid and skipped. After training, `training.evaluate` records
its results in the manifest and sets `promoted` when the checkpoint passed the promotion gate; the
service serves the newest promoted version.
"""

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def parse_version(text: str) -> tuple[int, int, int] | None:
    m = SEMVER.match(text)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class InvalidCheckpoint(ValueError):
    pass


@dataclass
class Checkpoint:
    role: str
    version: str
    path: Path
    manifest: dict | None
    error: str | None = None

    @property
    def valid(self) -> bool:
        return self.error is None


def read_manifest(path: Path) -> dict:
    """The manifest of a checkpoint directory, checked for shape but not against the files' hashes
    (cheap: what a listing needs). Raises InvalidCheckpoint."""
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise InvalidCheckpoint(f"no readable {MANIFEST}: {exc}") from exc
    if not isinstance(manifest, dict):
        raise InvalidCheckpoint(f"{MANIFEST} is not an object")
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise InvalidCheckpoint("manifest lists no files")
    if manifest.get("version") != path.name:
        raise InvalidCheckpoint(f"manifest version {manifest.get('version')!r} != {path.name!r}")
    return manifest


def verify(path: Path) -> dict:
    """Return the manifest of a checkpoint directory; raise InvalidCheckpoint if anything is off,
    every file's sha256 included."""
    manifest = read_manifest(path)
    for name, digest in manifest["files"].items():
        f = path / name
        if not f.is_file():
            raise InvalidCheckpoint(f"missing file {name}")
        if sha256_file(f) != digest:
            raise InvalidCheckpoint(f"sha256 mismatch for {name}")
    return manifest


class Registry:
    def __init__(self, model_dir: Path | str):
        self.root = Path(model_dir) / "checkpoints"

    def roles(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir()) if self.root.is_dir() else []

    def checkpoints(self, role: str, check_hashes: bool = True) -> list[Checkpoint]:
        """Every version of a role, newest first, each verified (with `check_hashes` False only
        its manifest is read: a listing, not a verification)."""
        role_dir = self.root / role
        if not role_dir.is_dir():
            return []
        check = verify if check_hashes else read_manifest
        out = []
        for p in role_dir.iterdir():
            v = parse_version(p.name)
            if v is None or not p.is_dir():
                continue
            try:
                out.append(Checkpoint(role, p.name, p, check(p)))
            except InvalidCheckpoint as exc:
                out.append(Checkpoint(role, p.name, p, None, str(exc)))
        return sorted(out, key=lambda c: parse_version(c.version), reverse=True)

    def latest_valid(self, role: str) -> Checkpoint | None:
        for ckpt in self.checkpoints(role):
            if ckpt.valid:
                return ckpt
            log.warning("skipping checkpoint %s/%s: %s", role, ckpt.version, ckpt.error)
        return None

    def latest_promoted(self, role: str) -> Checkpoint | None:
        """The newest valid version whose evaluation passed the promotion gate."""
        return next((c for c in self.checkpoints(role) if c.valid and c.manifest.get("promoted")),
                    None)

    def next_version(self, role: str, bump: str = "minor") -> str:
        versions = [parse_version(c.version) for c in self.checkpoints(role)]
        if not versions:
            return "1.0.0"
        major, minor, patch = max(versions)
        if bump == "major":
            return f"{major + 1}.0.0"
        if bump == "patch":
            return f"{major}.{minor}.{patch + 1}"
        return f"{major}.{minor + 1}.0"

    def publish(self, role: str, files: dict[str, bytes], manifest: dict,
                bump: str = "minor") -> Checkpoint:
        """Write `files` and a manifest as the role's next version, atomically."""
        role_dir = self.root / role
        role_dir.mkdir(parents=True, exist_ok=True)
        version = self.next_version(role, bump)
        tmp = Path(tempfile.mkdtemp(prefix=".publish-", dir=role_dir))
        try:
            for name, data in files.items():
                (tmp / name).write_bytes(data)
            full = {
                "role": role,
                "version": version,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                **manifest,
                "files": {name: sha256_file(tmp / name) for name in sorted(files)},
            }
            (tmp / MANIFEST).write_text(json.dumps(full, indent=2, sort_keys=True) + "\n")
            os.chmod(tmp, 0o755)
            tmp.rename(role_dir / version)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return Checkpoint(role, version, role_dir / version, full)

    @staticmethod
    def record_evaluation(ckpt: Checkpoint, evaluation: dict, promoted: bool) -> Checkpoint:
        """Write the evaluation summary and the promotion verdict into a checkpoint's manifest
        (atomically: a temporary file renamed over the old one). The hashed files are untouched."""
        manifest = {**verify(ckpt.path), "evaluation": evaluation, "promoted": promoted}
        tmp = ckpt.path / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        os.chmod(tmp, 0o644)
        tmp.rename(ckpt.path / MANIFEST)
        return Checkpoint(ckpt.role, ckpt.version, ckpt.path, manifest)
