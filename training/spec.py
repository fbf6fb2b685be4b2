"""What the pipeline asks of a role (`RoleSpec`), and a role's data as one run reads it (`RoleData`).

Every role is trained, indexed and evaluated the same way (`training.pipeline`,
`training.evaluation.harness`); what differs is what it learns from and how, and each role says
that through the hooks of its `RoleSpec` (`training.roles.<role>.spec`). Its material (drum examples
or songs, public datasets and users' opted-in material alike) is read once per run, and the arrays
made from it are cached as .npz, keyed by what they are made of.
"""

import hashlib
import json
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch

from beatengine.originality import CopyIndex
from training.config import RoleConfig, Train
from training.loop import Device, FitResult

PIPELINE_VERSION = 5  # bump to invalidate cached arrays when the way they are made changes


@dataclass
class RoleData:
    """What one role learns from in one run: its material and the arrays made from it."""
    material: list          # drum examples or songs, each with a `split`
    arrays: object          # the role's arrays dataclass (one row per sequence)
    is_train: np.ndarray    # (N,) bool: the row is in the training split
    quantiles: dict         # per genre, density quantiles of the training rows

    def train_rows(self):
        return self.arrays.subset(np.nonzero(self.is_train)[0])


class RoleSpec(ABC):
    """One role's hooks. Class attributes name the role and its checkpoint files."""
    name: ClassVar[str]
    arrays_class: ClassVar[type]        # a dataclass of numpy arrays with subset() and len()
    loss_names: ClassVar[tuple[str, ...]]   # what `loss` returns; the first is optimised
    weights_file: ClassVar[str]
    config_file: ClassVar[str]

    # ---- data ---------------------------------------------------------------------------------
    @abstractmethod
    def material(self, cfg: RoleConfig, root: Path) -> list:
        """Everything the role learns from (raises NoTrainingData when there is nothing)."""

    @abstractmethod
    def cache_key(self, cfg: RoleConfig, root: Path, material: list) -> list:
        """JSON-able parts that change whenever the arrays would."""

    @abstractmethod
    def make_arrays(self, cfg: RoleConfig, material: list) -> tuple[object, np.ndarray, dict]:
        """(arrays, is_train, density quantiles) of the material."""

    @abstractmethod
    def summarize(self, material: list) -> dict:
        """Counts for the manifest and the console."""

    # ---- model --------------------------------------------------------------------------------
    @abstractmethod
    def split(self, data: RoleData) -> tuple[object, object]:
        """(training rows, validation rows); a set with no validation rows holds some back."""

    @abstractmethod
    def model_config(self, cfg: RoleConfig, data: RoleData, train: object):
        """The model's config dataclass (saved beside the weights)."""

    @abstractmethod
    def build_model(self, mcfg) -> torch.nn.Module: ...

    @abstractmethod
    def loss(self, model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        """The named losses (`loss_names`) of one batch."""

    @abstractmethod
    def baseline_metrics(self, model: torch.nn.Module, fit: FitResult, train: object, val: object,
                         cfg: Train, dev: Device) -> dict:
        """The manifest's first metrics: the best validation losses and the Markov baseline's."""

    def calibrate(self, model: torch.nn.Module, mcfg, data: RoleData):
        """The model config with what is calibrated on the trained model and its data (default:
        nothing). A role that calibrates also reads its config back (`config_from_json`)."""
        return mcfg

    def config_from_json(self, text: str):
        raise NotImplementedError(f"{self.name} calibrates nothing")

    # ---- originality and evaluation -----------------------------------------------------------
    @abstractmethod
    def index(self, material: list) -> CopyIndex:
        """The originality index of the material's training split."""

    @abstractmethod
    def evaluate(self, ctx) -> dict:
        """The role's part of the evaluation (`training.evaluation.harness.Context` -> results)."""


def load_role_data(spec: RoleSpec, cfg: RoleConfig, root: Path = Path(".")) -> RoleData:
    """The role's material, read once, and its arrays (from the cache when they are there)."""
    material = spec.material(cfg, root)
    key = hashlib.sha256(json.dumps([spec.name, PIPELINE_VERSION, *spec.cache_key(cfg, root, material)],
                                    sort_keys=True).encode()).hexdigest()[:16]
    cache = root / cfg.train.cache_dir / f"{spec.name}-{key}.npz" if cfg.train.cache_dir else None
    if cache and cache.is_file():
        with np.load(cache, allow_pickle=False) as z:
            arrays = spec.arrays_class(**{k: z[k] for k in spec.arrays_class.__dataclass_fields__})
            return RoleData(material, arrays, z["is_train"], json.loads(str(z["quantiles"])))
    arrays, is_train, quantiles = spec.make_arrays(cfg, material)
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(cache.name + ".tmp")   # renamed into place: a crash leaves no half file
        with open(tmp, "wb") as f:
            np.savez_compressed(f, is_train=is_train, quantiles=np.array(json.dumps(quantiles)),
                                **arrays.__dict__)
        os.replace(tmp, cache)
    return RoleData(material, arrays, is_train, quantiles)
