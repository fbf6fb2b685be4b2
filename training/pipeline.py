"""One role's training run, the same for every role: `train_role()`.

examples -> arrays (cached) -> `fit()` -> baseline -> originality index -> publish -> evaluate.
The result is the next semantic version under `<model_dir>/checkpoints/<role>/` (weights, model
config, originality index, manifest), evaluated into `<version>/evaluation/` and marked `promoted` in
its manifest when it passes the promotion gate. The service serves the newest promoted version.
"""

import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from safetensors.torch import load_file, save

from beatengine.checkpoints import Checkpoint, Registry
from beatengine.originality import INDEX_FILE
from training.config import RoleConfig, TrainingConfig
from training.evaluation.harness import evaluate_and_record
from training.loop import device_setup, fit, seed_everything, state_for_saving
from training.originality import index_summary
from training.spec import RoleData, RoleSpec, load_role_data

log = logging.getLogger(__name__)


@dataclass
class Trained:
    checkpoint: Checkpoint
    evaluation: dict      # the evaluation's results (`passed`, `gate_failures`, ...)


def train_role(spec: RoleSpec, config: TrainingConfig, model_dir: Path, root: Path = Path(".")) -> Trained:
    """Train, publish and evaluate one role per its section of `config`."""
    cfg = config.role(spec.name)
    seed_everything(cfg.train.seed)
    data = load_role_data(spec, cfg, root)
    ckpt = publish(spec, cfg, model_dir, data, *_fit(spec, cfg, data))
    results = evaluate_and_record(spec, config, ckpt, ckpt.path / "evaluation", data=data, root=root)
    return Trained(ckpt, results)


def _fit(spec: RoleSpec, cfg: RoleConfig, data: RoleData) -> tuple[object, object, dict]:
    """(model with its best weights, model config, metrics)."""
    train, val = spec.split(data)
    mcfg = spec.model_config(cfg, data, train)
    dev = device_setup()
    model = spec.build_model(mcfg).to(dev.device)
    result = fit(model, spec.loss, spec.loss_names, train, val, cfg.train, dev, spec.name)
    metrics = {**spec.baseline_metrics(model, result, train, val, cfg.train, dev),
               "epochs": result.epochs, "history": result.history,
               "train_seconds": round(result.seconds, 1), "device": str(dev.device),
               "train_sequences": len(train), "val_sequences": len(val)}
    log.info("%s: %s", spec.name, {k: v for k, v in metrics.items() if "nll" in k})
    return model, spec.calibrate(model, mcfg, data), metrics


def publish(spec: RoleSpec, cfg: RoleConfig, model_dir: Path, data: RoleData, model, mcfg,
            metrics: dict) -> Checkpoint:
    """Weights, model config and originality index as the role's next version."""
    index = spec.index(data.material)
    return Registry(model_dir).publish(spec.name, {
        spec.weights_file: save(state_for_saving(model)),
        spec.config_file: mcfg.to_json().encode(),
        INDEX_FILE: index.to_bytes(),
    }, {"model_name": spec.name, "model_config": asdict(mcfg), "training_data": spec.summarize(data.material),
        "training_config": cfg.model_dump(), "metrics": metrics, "originality": index_summary(index)})


def reindex(spec: RoleSpec, config: TrainingConfig, registry: Registry, source: Checkpoint,
            root: Path = Path(".")) -> Checkpoint:
    """`source`'s files with a freshly built originality index, from the material training reads,
    as the next patch version (manifest: `derived_from`). For a checkpoint made before the index
    existed, or after the index rules change (e.g. how thresholds are calibrated)."""
    index = spec.index(spec.material(config.role(spec.name), root))
    return _republish(spec, registry, source, {INDEX_FILE: index.to_bytes()},
                      {"originality": index_summary(index)})


def recalibrate(spec: RoleSpec, config: TrainingConfig, registry: Registry, source: Checkpoint,
                root: Path = Path(".")) -> Checkpoint:
    """`source`'s weights and index with its config calibrated afresh (`RoleSpec.calibrate`: for
    drums the touches and `variety` defaults) on the data training reads, as the next patch
    version (manifest: `derived_from`), unevaluated. For a checkpoint trained before the
    calibration existed or changed."""
    mcfg = spec.config_from_json((source.path / spec.config_file).read_text())
    model = spec.build_model(mcfg)
    model.load_state_dict(load_file(str(source.path / spec.weights_file)))
    mcfg = spec.calibrate(model, mcfg, load_role_data(spec, config.role(spec.name), root))
    return _republish(spec, registry, source, {spec.config_file: mcfg.to_json().encode()},
                      {"model_config": asdict(mcfg)})


def _republish(spec: RoleSpec, registry: Registry, source: Checkpoint, new_files: dict[str, bytes],
               new_manifest: dict) -> Checkpoint:
    """`source`'s files and manifest with `new_files` and `new_manifest` in place of theirs, as the
    next patch version, unevaluated (manifest: `derived_from`)."""
    files = {name: (source.path / name).read_bytes() for name in source.manifest["files"]}
    manifest = {k: v for k, v in source.manifest.items()
                if k not in ("files", "version", "created_at", "role", "promoted", "evaluation")}
    return registry.publish(spec.name, files | new_files,
                            manifest | new_manifest | {"derived_from": source.version}, bump="patch")
