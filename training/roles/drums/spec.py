"""The drum role's hooks for the pipeline: examples -> `DrumArrays` -> `DrumModel` (pattern, velocity,
offset and roll heads), the order-2 Markov baseline, the index of the training split's real grooves."""

import logging
from pathlib import Path

import numpy as np
import torch

from beatengine.originality import CopyIndex
from beatengine.roles.drums.config import DrumModelConfig
from beatengine.roles.drums.generator import CONFIG_FILE, WEIGHTS_FILE, DrumGenerator
from beatengine.roles.drums.markov import MarkovDrums
from beatengine.roles.drums.model import DrumModel, drum_loss
from beatengine.roles.drums.touch import touches
from training.config import DrumsRole, Train
from training.loop import Device, FitResult, state_for_saving
from training.originality import split_index
from training.roles.drums import calibrate, data, evaluate, features
from training.spec import RoleData, RoleSpec

log = logging.getLogger(__name__)


class DrumsSpec(RoleSpec):
    name = "drums"
    arrays_class = data.DrumArrays
    loss_names = ("loss", "nll")          # total loss; pattern NLL
    weights_file, config_file = WEIGHTS_FILE, CONFIG_FILE

    def material(self, cfg: DrumsRole, root: Path) -> list:
        return data.collect_examples(cfg.data, root)

    def cache_key(self, cfg: DrumsRole, root: Path, material: list) -> list:
        return [cfg.data.model_dump(), str(root), data.fingerprint(cfg.data, root),
                data.rules_fingerprint()]

    def make_arrays(self, cfg: DrumsRole, material: list) -> tuple[data.DrumArrays, np.ndarray, dict]:
        quantiles = data.density_percentiles(material)
        return (data.to_arrays(material, quantiles), np.array([ex.split == "train" for ex in material]),
                quantiles)

    def summarize(self, material: list) -> dict:
        return data.summarize(material)

    def split(self, d: RoleData) -> tuple[data.DrumArrays, data.DrumArrays]:
        arrays, n = d.arrays, len(d.arrays)
        train, val = arrays.subset(np.nonzero(d.is_train)[0]), arrays.subset(np.nonzero(~d.is_train)[0])
        if len(val) == 0:  # tiny user sets: hold out every 10th sequence
            held = np.arange(0, n, 10)
            train, val = arrays.subset(np.setdiff1d(np.arange(n), held)), arrays.subset(held)
        return train, val

    def model_config(self, cfg: DrumsRole, d: RoleData, train: data.DrumArrays) -> DrumModelConfig:
        counts = np.bincount(train.tgt[train.tgt >= 0], minlength=1 << 10)
        return DrumModelConfig(**cfg.model.model_dump(), density_quantiles=d.quantiles,
                               active_tokens=np.nonzero(counts)[0].tolist(),
                               tempo_mean=float(train.tempo.mean()),
                               tempo_std=float(max(train.tempo.std(), 1.0)))

    def build_model(self, mcfg: DrumModelConfig) -> DrumModel:
        return DrumModel(mcfg)

    def loss(self, model: DrumModel, b: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        out = model(b["tgt"], b["pos"], b["genre"], b["tempo"], b["density"])
        return drum_loss(out, b["tgt"], b["vel"], b["off"], b["roll"])

    def baseline_metrics(self, model: DrumModel, fit: FitResult, train: data.DrumArrays,
                         val: data.DrumArrays, cfg: Train, dev: Device) -> dict:
        markov = MarkovDrums().fit(train.inp, train.tgt, train.pos, train.genre, train.vel)
        markov_nll = markov.nll(val.inp, val.tgt, val.pos, val.genre)
        return {"val_loss": round(fit.best["loss"], 4), "val_pattern_nll": round(fit.best["nll"], 4),
                "markov_val_pattern_nll": round(markov_nll, 4)}

    def calibrate(self, model: DrumModel, mcfg: DrumModelConfig, d: RoleData) -> DrumModelConfig:
        """The touches of the training takes (`beatengine.roles.drums.touch`), then the per-genre
        `variety` defaults (`training.roles.drums.calibrate`)."""
        mcfg.touch = touches(d.material, list(mcfg.genres), np.random.default_rng(0))
        weights = {k: v.numpy() for k, v in state_for_saving(model).items()}
        mcfg.variety = {}
        table = calibrate.calibrate(DrumGenerator(weights, mcfg), d.material)
        log.info("drums: variety calibrated %s", table)
        mcfg.variety = {g: row["variety"] for g, row in table.items()}
        return mcfg

    def config_from_json(self, text: str) -> DrumModelConfig:
        return DrumModelConfig.from_json(text)

    def index(self, material: list) -> CopyIndex:
        return split_index(material, features.originality_pieces)

    def evaluate(self, ctx) -> dict:
        return evaluate.evaluate(ctx)


SPEC = DrumsSpec()
