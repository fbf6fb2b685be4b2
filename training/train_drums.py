"""Train the drum model and publish it as the next version in the registry.

Steps: collect examples (`training.data_pipeline`), turn them into arrays (cached by config),
train `DrumModel` with AdamW on CUDA when present (bf16/fp16 autocast) or the CPU, validate every
epoch, stop early when validation loss stops improving, keep the best weights, fit the Markov
baseline on the same training split, and publish weights, config, the originality index and the
manifest.
"""

import copy
import hashlib
import json
import logging
import math
import random
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save
from tqdm import tqdm

from beatengine.checkpoints import Checkpoint, Registry
from beatengine.originality import INDEX_FILE
from beatengine.roles.drums.config import DrumModelConfig
from beatengine.roles.drums.generator import CONFIG_FILE, WEIGHTS_FILE
from beatengine.roles.drums.markov import MarkovDrums
from beatengine.roles.drums.model import DrumModel, drum_loss
from training import data_pipeline as dp
from training.loop import device_setup, optimise
from training.originality_index import drum_index, index_summary

log = logging.getLogger(__name__)
PIPELINE_VERSION = 4  # bump to invalidate cached arrays when the pipeline changes


def seed_everything(seed: int) -> None:
    """Fix Python's, numpy's and PyTorch's random generators."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_arrays(data_cfg: dict, cache_dir: Path | None, root: Path
                ) -> tuple[dp.DrumArrays, np.ndarray, dict, dict]:
    """Arrays, a train/validation mask, density quantiles and the data summary; cached as .npz
    keyed by the data config."""
    key = hashlib.sha256(json.dumps([data_cfg, str(root), PIPELINE_VERSION,
                                     dp.fingerprint(data_cfg, root)], sort_keys=True)
                         .encode()).hexdigest()[:16]
    cache = cache_dir / f"drums-{key}.npz" if cache_dir else None
    if cache and cache.is_file():
        with np.load(cache, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            arrays = dp.DrumArrays(**{k: z[k] for k in dp.DrumArrays.__dataclass_fields__})
            return arrays, z["is_train"], meta["quantiles"], meta["summary"]
    examples = dp.collect_examples(data_cfg, root)
    quantiles = dp.density_percentiles(examples)
    arrays = dp.to_arrays(examples, quantiles)
    is_train = np.array([ex.split == "train" for ex in examples])
    summary = dp.summarize(examples)
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        meta = json.dumps({"quantiles": quantiles, "summary": summary})
        np.savez_compressed(cache, meta=np.array(meta), is_train=is_train, **arrays.__dict__)
    return arrays, is_train, quantiles, summary


def _batches(n: int, batch_size: int, gen: torch.Generator | None):
    order = torch.randperm(n, generator=gen) if gen is not None else torch.arange(n)
    for i in range(0, n, batch_size):
        yield order[i:i + batch_size]


def _to_torch(a: dp.DrumArrays, device: torch.device) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(np.ascontiguousarray(v)).to(device) for k, v in a.__dict__.items()}


def _step(model: DrumModel, t: dict[str, torch.Tensor], idx: torch.Tensor):
    b = {k: v[idx.to(v.device)] for k, v in t.items()}
    out = model(b["tgt"], b["pos"], b["genre"], b["tempo"], b["density"])
    return drum_loss(out, b["tgt"], b["vel"], b["off"], b["roll"])


@torch.no_grad()
def evaluate_loss(model: DrumModel, t: dict[str, torch.Tensor], batch_size: int, autocast
                  ) -> tuple[float, float]:
    """(mean total loss, mean pattern NLL) over a split, weighted by steps."""
    model.eval()
    tot = nll = steps = 0.0
    for idx in _batches(len(t["tgt"]), batch_size, None):
        with autocast():
            loss, n = _step(model, t, idx)
        k = float((t["tgt"][idx.to(t["tgt"].device)] >= 0).sum())
        tot, nll, steps = tot + float(loss) * k, nll + float(n) * k, steps + k
    return tot / max(steps, 1), nll / max(steps, 1)


def train(cfg: dict, model_dir: Path, root: Path = Path(".")) -> Checkpoint:
    """Train per `cfg` (the "drums" section of a training config) and publish the result."""
    tcfg = cfg["train"]
    seed_everything(int(tcfg.get("seed", 0)))
    cache_dir = root / tcfg["cache_dir"] if tcfg.get("cache_dir") else None
    arrays, is_train, quantiles, summary = load_arrays(cfg["data"], cache_dir, root)
    train_a, val_a = arrays.subset(np.nonzero(is_train)[0]), arrays.subset(np.nonzero(~is_train)[0])
    if len(val_a) == 0:  # tiny user sets: hold out every 10th sequence
        val_a, train_a = arrays.subset(np.arange(0, len(arrays), 10)), arrays.subset(
            np.setdiff1d(np.arange(len(arrays)), np.arange(0, len(arrays), 10)))

    device, autocast, scaler = device_setup()
    counts = np.bincount(train_a.tgt[train_a.tgt >= 0], minlength=1 << 10)
    mcfg = DrumModelConfig(**cfg.get("model", {}), density_quantiles=quantiles,
                           active_tokens=np.nonzero(counts)[0].tolist(),
                           tempo_mean=float(train_a.tempo.mean()),
                           tempo_std=float(max(train_a.tempo.std(), 1.0)))
    model = DrumModel(mcfg).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=tcfg["lr"], weight_decay=tcfg["weight_decay"])
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    tt, tv = _to_torch(train_a, device), _to_torch(val_a, device)
    gen = torch.Generator().manual_seed(int(tcfg.get("seed", 0)))
    best = (math.inf, math.inf)
    best_state, bad, history = None, 0, []
    started = time.monotonic()
    bs = int(tcfg["batch_size"])
    for epoch in range(int(tcfg["epochs"])):
        model.train()
        bar = tqdm(list(_batches(len(train_a), bs, gen)), desc=f"drums epoch {epoch + 1}",
                   leave=False, mininterval=1.0)
        for idx in bar:
            with autocast():
                loss, nll = _step(model, tt, idx)
            optimise(model, loss, opt, scaler)
            bar.set_postfix(loss=f"{loss.item():.3f}", nll=f"{nll.item():.3f}")
        val_loss, val_nll = evaluate_loss(model, tv, bs * 2, autocast)
        sched.step(val_loss)
        history.append({"epoch": epoch + 1, "val_loss": round(val_loss, 4),
                        "val_nll": round(val_nll, 4)})
        log.info("epoch %d: val loss %.4f, val pattern NLL %.4f", epoch + 1, val_loss, val_nll)
        if val_loss < best[0] - 1e-4:
            best, bad = (val_loss, val_nll), 0
            best_state = copy.deepcopy({k: v.detach().float().cpu() for k, v in
                                        model.state_dict().items()})
        else:
            bad += 1
            if bad >= int(tcfg["patience"]):
                log.info("early stop after epoch %d", epoch + 1)
                break
        if time.monotonic() - started > 60 * float(tcfg.get("max_minutes", 1e9)):
            log.info("time budget reached after epoch %d", epoch + 1)
            break
    train_seconds = time.monotonic() - started

    markov = MarkovDrums().fit(train_a.inp, train_a.tgt, train_a.pos, train_a.genre, train_a.vel)
    markov_nll = markov.nll(val_a.inp, val_a.tgt, val_a.pos, val_a.genre)
    metrics = {"val_loss": round(best[0], 4), "val_pattern_nll": round(best[1], 4),
               "markov_val_pattern_nll": round(markov_nll, 4), "epochs": len(history),
               "history": history, "train_seconds": round(train_seconds, 1),
               "device": str(device), "train_sequences": len(train_a),
               "val_sequences": len(val_a)}
    log.info("best val pattern NLL %.4f (Markov baseline %.4f)", best[1], markov_nll)
    index = drum_index(dp.collect_examples(cfg["data"], root))
    return Registry(model_dir).publish("drums", {
        WEIGHTS_FILE: save(best_state or model.state_dict()),
        CONFIG_FILE: mcfg.to_json().encode(),
        INDEX_FILE: index.to_bytes(),
    }, {"model_name": "drums", "model_config": asdict(mcfg), "training_data": summary,
        "training_config": cfg, "metrics": metrics, "originality": index_summary(index)})

