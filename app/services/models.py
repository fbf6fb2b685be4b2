"""The models the service runs: the latest valid checkpoint per role, loaded once at start-up."""

import logging
from dataclasses import dataclass
from pathlib import Path

from beatengine.arrangement import Arranger
from beatengine.checkpoints import MANIFEST, Checkpoint, InvalidCheckpoint, Registry, verify
from beatengine.roles import ROLES, Generator

log = logging.getLogger(__name__)

LOADERS = {name: role.generator.load for name, role in ROLES.items()}


@dataclass
class LoadedModel:
    """A verified checkpoint and the generator built from it."""

    checkpoint: Checkpoint
    generator: Generator

    @property
    def version(self) -> str:
        return self.checkpoint.version


@dataclass
class ComposedModel:
    """A generator made of the loaded role engines (the arrangement); its version names theirs."""

    version: str
    generator: Arranger


class ModelBank:
    """The registry plus the generator loaded for each role."""

    def __init__(self, model_dir: Path):
        self.registry = Registry(model_dir)
        self.loaded: dict[str, LoadedModel] = {}
        # (version dir, manifest mtime and size) -> why it is invalid, None when its files match
        # their hashes: hashing happens once per version, when it is loaded or first listed
        self._verified: dict[tuple, str | None] = {}

    def load_all(self) -> None:
        """Load the newest promoted version of each role (one that passed the evaluation gate);
        when no version is promoted, the newest valid one, with a warning. An invalid or unloadable
        version is skipped with a warning and the next candidate is tried."""
        for role, loader in LOADERS.items():
            candidates = self.registry.checkpoints(role)
            for c in candidates:
                self._verified[_stamp(c.path)] = c.error
            if any(c.valid and c.manifest.get("promoted") for c in candidates):
                candidates = [c for c in candidates if not c.valid or c.manifest.get("promoted")]
            else:
                log.warning("no promoted %s checkpoint: serving the newest valid one", role)
            for ckpt in candidates:
                if not ckpt.valid:
                    log.warning("skipping checkpoint %s/%s: %s", role, ckpt.version, ckpt.error)
                    continue
                try:
                    generator = loader(ckpt.path)
                    generator.warm_up()
                    self.loaded[role] = LoadedModel(ckpt, generator)
                except (OSError, ValueError, KeyError) as exc:
                    log.warning("checkpoint %s/%s does not load: %s", role, ckpt.version, exc)
                    continue
                log.info("loaded %s %s", role, ckpt.version)
                break
            else:
                log.warning("no valid %s checkpoint under %s", role, self.registry.root)

    def get(self, role: str) -> "LoadedModel | ComposedModel | None":
        if role == "arrangement":
            return self.arrangement()
        return self.loaded.get(role)

    def arrangement(self) -> "ComposedModel | None":
        """The arranger over the loaded role engines (it needs at least the chord model)."""
        if "chords" not in self.loaded:
            return None
        gens = {r: m.generator for r, m in self.loaded.items()}
        version = "+".join(f"{r}-{m.version}" for r, m in sorted(self.loaded.items()))
        return ComposedModel(version, Arranger(gens.get("drums"), gens["chords"],
                                               gens.get("bassline"), gens.get("melody")))

    def versions(self) -> dict[str, str | None]:
        return {role: (m.version if (m := self.loaded.get(role)) else None) for role in LOADERS}

    def describe(self) -> dict[str, list[dict]]:
        """Every checkpoint in the registry per role, which one is loaded, and its manifest: a
        listing of manifests, with each version's files hashed only the first time it is seen."""
        out: dict[str, list[dict]] = {}
        for role in sorted(set(self.registry.roles()) | set(LOADERS)):
            loaded = self.loaded.get(role)
            rows = []
            for c in self.registry.checkpoints(role, check_hashes=False):
                error = c.error or self._verification(c.path)
                rows.append({"version": c.version, "valid": error is None, "error": error,
                             "loaded": loaded is not None and loaded.version == c.version,
                             "promoted": bool(c.manifest and c.manifest.get("promoted")),
                             "manifest": c.manifest if error is None else None})
            out[role] = rows
        return out

    def _verification(self, path: Path) -> str | None:
        """Why the version at `path` is invalid (None: valid), hashing its files only when its
        manifest changed since the last look."""
        stamp = _stamp(path)
        if stamp not in self._verified:
            try:
                verify(path)
                self._verified[stamp] = None
            except InvalidCheckpoint as exc:
                self._verified[stamp] = str(exc)
        return self._verified[stamp]


def _stamp(path: Path) -> tuple:
    """What identifies one state of a version directory: its path and its manifest's mtime and
    size (publishing and recording an evaluation rewrite the manifest)."""
    try:
        st = (path / MANIFEST).stat()
    except OSError:
        return (str(path), None, None)
    return (str(path), st.st_mtime_ns, st.st_size)
