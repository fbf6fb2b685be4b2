"""Train a harmony role (chords, bass or melody) and publish it as the next registry version.

Steps: load the harmony songs (`training.harmony_data`), make the role's key-relative windows
(`training.harmony_arrays`, cached by config), train `SeqModel` with AdamW on CUDA when present
(bf16/fp16 autocast) or the CPU, validate every epoch, stop early, keep the best weights, fit the
Markov baseline on the same training split, build the originality index, publish.
"""

import copy
import hashlib
import json
import logging
import math
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save
from tqdm import tqdm

from beatengine.checkpoints import Checkpoint, Registry
from beatengine.originality import INDEX_FILE, CopyIndex
from beatengine.roles.bassline import vocab as BV
from beatengine.roles.chords import vocab as CV
from beatengine.roles.chords.generator import chord_window_hashes
from beatengine.roles.lines import vocab as LV
from beatengine.roles.lines.generator import NGRAM, note_ngram_hashes
from beatengine.roles.melody import vocab as MV
from beatengine.seq.config import SeqModelConfig
from beatengine.seq.decoder import CONFIG_FILE, WEIGHTS_FILE
from beatengine.seq.markov import MarkovSeq
from beatengine.seq.model import SeqModel, seq_loss
from training import harmony_arrays as HA
from training.data_pipeline import NoTrainingData
from training.event_songs import load_event_songs
from training.harmony_data import load_harmony, summarize
from training.harmony_songs import Song
from training.loop import device_setup, optimise
from training.originality_index import COPY_MARGIN, index_summary
from training.train_drums import seed_everything

log = logging.getLogger(__name__)
PIPELINE_VERSION = 1

VOCAB = {  # role -> (vocab size, positions, step features, sequence features, vocab version)
    "chords": (CV.VOCAB_SIZE, CV.NUM_POSITIONS, CV.STEP_FEATURES, CV.SEQ_FEATURES,
               CV.VOCAB_VERSION),
    "bassline": (BV.VOCAB.size, LV.NUM_POSITIONS, BV.FEATURES, 1, LV.VOCAB_VERSION),
    "melody": (MV.VOCAB.size, LV.NUM_POSITIONS, MV.FEATURES, 1, LV.VOCAB_VERSION),
}


def role_examples(role: str, songs: list[Song], cfg: dict) -> list[HA.Example]:
    if role == "chords":
        return HA.chord_examples(songs)
    return HA.line_examples(songs, role, int(cfg.get("rule_songs_per_genre", 0)),
                            int(cfg.get("seed", 0)))


def originality_pieces(role: str, songs: list[Song]) -> dict[str, np.ndarray]:
    """Per song: chord-window hashes (chords) or interval n-gram hashes of its line."""
    out = {}
    for s in songs:
        if role == "chords":
            out[s.song_id] = chord_window_hashes(HA.song_chord_tokens(s))
        else:
            notes = s.melody if role == "melody" else s.bass
            if notes and len(notes) >= NGRAM:
                out[s.song_id] = note_ngram_hashes(notes)
    return out


def build_index(role: str, songs: list[Song]) -> CopyIndex:
    """Training songs indexed; thresholds from the validation songs."""
    index = CopyIndex.build(originality_pieces(role, [s for s in songs if s.split == "train"])
                            .values())
    held = list(originality_pieces(role, [s for s in songs if s.split == "validation"]).values())
    return index.calibrate(held, COPY_MARGIN)


def cached_arrays(role: str, cfg: dict, mcfg: SeqModelConfig, root: Path,
                  songs: list[Song] | None = None
                  ) -> tuple[HA.SeqArrays, np.ndarray, dict, list[Song]]:
    """Arrays, train mask, density quantiles and the songs (loaded unless given: the cache key and
    the originality index need them)."""
    if songs is None:
        songs = load_harmony(cfg["data"], root) + load_event_songs(role, cfg["data"], root)
    # User material comes and goes (a withdrawal): its ids are part of the cache key.
    users = sorted(s.song_id for s in songs if s.source == "user")
    key = hashlib.sha256(json.dumps([role, cfg["data"], PIPELINE_VERSION, len(songs), users],
                                    sort_keys=True).encode()).hexdigest()[:16]
    cache_dir = cfg["train"].get("cache_dir")
    cache = root / cache_dir / f"{role}-{key}.npz" if cache_dir else None
    if cache and cache.is_file():
        with np.load(cache, allow_pickle=False) as z:
            arrays = HA.SeqArrays(**{k: z[k] for k in HA.SeqArrays.__dataclass_fields__})
            return arrays, z["is_train"], json.loads(str(z["quantiles"])), songs
    examples = role_examples(role, songs, cfg["data"])
    if not examples:
        raise NoTrainingData(f"No {role} training material found: point the config's harmony "
                             f"data paths at ../shared/datasets (billboard, pop909, "
                             f"free-midi-chords); they gave {len(songs)} songs")
    quantiles = {}
    if role != "chords":
        quantiles = HA.density_quantiles(examples)
        HA.with_density_percentiles(examples, quantiles)
    arrays = HA.to_arrays(examples, mcfg.genres, mcfg.modes)
    is_train = np.array([e.split == "train" for e in examples])
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(cache, is_train=is_train, quantiles=np.array(json.dumps(quantiles)),
                            **arrays.__dict__)
    return arrays, is_train, quantiles, songs


def _torch(a: HA.SeqArrays, device: torch.device) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(np.ascontiguousarray(v)).to(device) for k, v in a.__dict__.items()}


def _loss(model: SeqModel, t: dict[str, torch.Tensor], idx: torch.Tensor) -> torch.Tensor:
    b = {k: v[idx.to(v.device)] for k, v in t.items()}
    return seq_loss(model(b["tgt"], b["pos"], b["step"], b["genre"], b["mode"], b["seq"]), b["tgt"])


def train(role: str, cfg: dict, model_dir: Path, root: Path = Path(".")) -> Checkpoint:
    """Train per `cfg` (the role's section of a training config) and publish the result."""
    tcfg = cfg["train"]
    seed_everything(int(tcfg.get("seed", 0)))
    size, positions, step_f, seq_f, vocab_version = VOCAB[role]
    mcfg = SeqModelConfig(role=role, vocab_size=size, num_positions=positions, step_features=step_f,
                          seq_features=seq_f, vocab_version=vocab_version, **cfg.get("model", {}))
    arrays, is_train, quantiles, songs = cached_arrays(role, cfg, mcfg, root)
    mcfg.density_quantiles = quantiles
    mcfg.trained_genres = sorted({mcfg.genres[g] for g in np.unique(arrays.genre[is_train])})
    train_a, val_a = arrays.subset(np.nonzero(is_train)[0]), arrays.subset(np.nonzero(~is_train)[0])
    if len(val_a) == 0:
        val_a = train_a.subset(np.arange(0, len(train_a), 10))

    device, autocast, scaler = device_setup()
    model = SeqModel(mcfg).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=tcfg["lr"], weight_decay=tcfg["weight_decay"])
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    tt, tv = _torch(train_a, device), _torch(val_a, device)
    gen = torch.Generator().manual_seed(int(tcfg.get("seed", 0)))
    bs, best, best_state, bad, history = int(tcfg["batch_size"]), math.inf, None, 0, []
    started = time.monotonic()
    for epoch in range(int(tcfg["epochs"])):
        model.train()
        order = torch.randperm(len(train_a), generator=gen)
        bar = tqdm(range(0, len(order), bs), desc=f"{role} epoch {epoch + 1}", leave=False,
                   mininterval=1.0)
        for i in bar:
            with autocast():
                loss = _loss(model, tt, order[i:i + bs])
            optimise(model, loss, opt, scaler)
            bar.set_postfix(nll=f"{loss.item():.3f}")
        val = validate(model, tv, bs * 2, autocast)
        sched.step(val)
        history.append({"epoch": epoch + 1, "val_nll": round(val, 4)})
        log.info("%s epoch %d: val NLL %.4f", role, epoch + 1, val)
        if val < best - 1e-4:
            best, bad = val, 0
            best_state = copy.deepcopy({k: v.detach().float().cpu() for k, v in model.state_dict().items()})
        else:
            bad += 1
            if bad >= int(tcfg["patience"]):
                break
        if time.monotonic() - started > 60 * float(tcfg.get("max_minutes", 1e9)):
            log.info("time budget reached after epoch %d", epoch + 1)
            break
    markov = MarkovSeq(size).fit(train_a.tgt, train_a.pos, train_a.genre)
    markov_nll = markov.nll(val_a.tgt[:400], val_a.pos[:400], val_a.genre[:400])
    model.load_state_dict(best_state or model.state_dict())
    val_subset = validate(model, _torch(val_a.subset(np.arange(min(400, len(val_a)))), device),
                          bs * 2, autocast)
    index = build_index(role, songs)
    metrics = {"val_nll": round(best, 4), "val_nll_first400": round(val_subset, 4),
               "markov_val_nll_first400": round(float(markov_nll), 4), "epochs": len(history),
               "history": history, "train_seconds": round(time.monotonic() - started, 1),
               "device": str(device), "train_sequences": len(train_a), "val_sequences": len(val_a)}
    log.info("%s: best val NLL %.4f; on the first 400 validation windows %.4f vs Markov %.4f",
             role, best, val_subset, markov_nll)
    return Registry(model_dir).publish(role, {
        WEIGHTS_FILE: save({k: v.float().cpu().contiguous() for k, v in model.state_dict().items()}),
        CONFIG_FILE: mcfg.to_json().encode(),
        INDEX_FILE: index.to_bytes(),
    }, {"model_name": role, "model_config": asdict(mcfg), "training_data": summarize(songs),
        "training_config": cfg, "metrics": metrics, "originality": index_summary(index)})


@torch.no_grad()
def validate(model: SeqModel, t: dict[str, torch.Tensor], bs: int, autocast) -> float:
    """Mean NLL per step over a split, weighted by steps."""
    model.eval()
    total = steps = 0.0
    n = len(t["tgt"])
    for i in range(0, n, bs):
        idx = torch.arange(i, min(i + bs, n))
        with autocast():
            loss = _loss(model, t, idx)
        k = float((t["tgt"][idx.to(t["tgt"].device)] >= 0).sum())
        total, steps = total + float(loss) * k, steps + k
    return total / max(steps, 1)
