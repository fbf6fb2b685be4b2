"""Is this checkpoint better than the last one and than trivial baselines, does it obey its controls,
and does it copy its training data?

    python -m training evaluate --role drums [--checkpoint DIR] [--reference DIR_OF_MIDI]
        [--genre GENRE] [--config training/configs/local.json] [--out docs/quality] [--record]

The reference (default: the validation split; or any folder of .mid files) is cut by origin into two
disjoint slices A and B. Every system generates under the conditions of the clips in A (genre,
tempo, metre, bars, fixed seeds) and is compared with A; slice B, real music the systems never saw,
gives the ceiling (how real looks to real) and the noise floor (the AUC two real samples reach).
Writes `<out>/<role>.md`, `<role>.json` (every number) and `<role>-*.png`.

Each role's part (`RoleSpec.evaluate`, in `training.roles.<role>.evaluate`) gets a `Context`: the
role's data as training reads it (loaded once; the pipeline hands over what it trained on), the
checkpoint and the one before it.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from beatengine.checkpoints import Checkpoint, Registry, parse_version
from training.config import TrainingConfig
from training.evaluation import measures
from training.evaluation.gate import gate
from training.evaluation.report import plain, write_report
from training.spec import RoleData, RoleSpec, load_role_data

BASELINES = ("markov", "random", "copy")
MIN_REFERENCE_CLIPS = 10
AUC_SEEDS = 5


def slices(clips: list, origin: Callable, seed: int, max_clips: int) -> tuple[list, list]:
    """Split clips by origin (a file never lands in both) into slices A and B by a stable hash,
    then keep at most `max_clips` of each, seeded."""
    def side(c) -> int:
        return hashlib.sha256(str(origin(c)).encode()).digest()[0] % 2

    rng = np.random.default_rng(seed)
    out = []
    for s in (0, 1):
        part = [c for c in clips if side(c) == s]
        keep = sorted(rng.permutation(len(part))[:max_clips])
        out.append([part[i] for i in keep])
    return out[0], out[1]


@dataclass
class Context:
    """What a role's evaluator gets."""
    role: str
    config: TrainingConfig
    checkpoint: Checkpoint
    previous: Checkpoint | None
    reference: Path | None
    genre: str | None
    data: RoleData
    seed: int
    max_clips: int

    def slices(self, clips: list, origin: Callable) -> tuple[list, list]:
        return slices(clips, origin, self.seed, self.max_clips)


def previous_checkpoint(registry: Registry, ckpt: Checkpoint) -> Checkpoint | None:
    """The newest valid version below `ckpt`."""
    older = [c for c in registry.checkpoints(ckpt.role) if c.valid and
             parse_version(c.version) < parse_version(ckpt.version)]
    return older[0] if older else None


def realism(real: np.ndarray, systems: dict[str, np.ndarray], groups: dict[str, list],
            n_scalars: int, seed: int, bootstrap: int, classifiers: tuple[str, ...] = ("linear",)
            ) -> dict[str, dict]:
    """Per system: C2ST AUC (mean and range over 5 seeds) on the full feature vectors, and the
    overlapping area of every scalar feature with a bootstrap 95% interval, plus their mean.
    With several `classifiers` (names of `measures.C2ST_CLASSIFIERS`) each one's AUC is kept under
    `c2st_by_classifier`, and `c2st_auc` is the harder one's (the higher AUC), which the gate uses."""
    out = {}
    for name, gen in systems.items():
        by = {c: _c2st(real, gen, groups["real_a"], groups[name], seed, c) for c in classifiers}
        harder = max(by, key=lambda c: by[c]["auc"])
        per_feature = [_overlap(real, gen, f, seed, bootstrap) for f in range(n_scalars)]
        mean_lo, mean_hi = measures.bootstrap_ci(
            lambda r, g: measures.mean_overlap(r[:, :n_scalars], g[:, :n_scalars]), real, gen,
            n=bootstrap, seed=seed)
        out[name] = {"c2st_auc": by[harder]["auc"], "c2st_auc_range": by[harder]["range"],
                     "overlap": per_feature,
                     "mean_overlap": [float(np.mean([p[0] for p in per_feature])), mean_lo, mean_hi]}
        if len(classifiers) > 1:
            out[name] |= {"c2st_classifier": harder, "c2st_by_classifier": by}
    return out


def _c2st(real: np.ndarray, gen: np.ndarray, groups_real: list, groups_gen: list, seed: int,
          classifier: str) -> dict:
    """{"auc": mean, "range": [min, max]} of one classifier's C2ST over `AUC_SEEDS` seeds."""
    aucs = [measures.c2st_auc(real, gen, groups_real, groups_gen, seed=seed + k, classifier=classifier)
            for k in range(AUC_SEEDS)]
    return {"auc": float(np.mean(aucs)), "range": [min(aucs), max(aucs)]}


def _overlap(real: np.ndarray, gen: np.ndarray, f: int, seed: int, bootstrap: int) -> list[float]:
    """[overlapping area, bootstrap low, high] of feature column `f`."""
    oa = measures.overlap_area(real[:, f], gen[:, f])
    lo, hi = measures.bootstrap_ci(lambda r, g: measures.overlap_area(r[:, f], g[:, f]),
                                   real, gen, n=bootstrap, seed=seed)
    return [oa, lo, hi]


def evaluate(spec: RoleSpec, config: TrainingConfig, checkpoint: Checkpoint, out_dir: Path | None,
             reference: Path | None = None, genre: str | None = None, command: str = "",
             data: RoleData | None = None, root: Path = Path(".")) -> dict:
    """Run the evaluation of one role, write the report (unless `out_dir` is None), return results.
    `data` is the role's data as training read it (read here when not given)."""
    started = time.monotonic()
    ecfg = config.evaluation
    registry = Registry(checkpoint.path.parents[2])  # <model_dir>/checkpoints/<role>/<version>
    if data is None:
        data = load_role_data(spec, config.role(spec.name), root)
    ctx = Context(spec.name, config, checkpoint, previous_checkpoint(registry, checkpoint), reference,
                  genre, data, ecfg.seed, ecfg.max_clips)
    raw = spec.evaluate(ctx)
    feats, groups = raw.pop("features"), raw.pop("groups")
    classifiers = tuple(raw.pop("c2st_classifiers", ("linear",)))
    real = feats.pop("real_a")
    results = {
        "role": spec.name, "checkpoint": checkpoint.version,
        "previous": ctx.previous.version if ctx.previous else None,
        "reference": str(reference) if reference else "validation split",
        "clips": {"real_a": len(real), "real_b": len(feats.get("real_b", []))},
        **raw,
        "realism": realism(real, feats, groups, len(raw["scalar_features"]), ctx.seed, ecfg.bootstrap,
                           classifiers) if len(real) >= MIN_REFERENCE_CLIPS else {},
    }
    _verdict(results)
    results["seconds"] = round(time.monotonic() - started, 1)
    results["command"] = command or f"python -m training.evaluate --role {spec.name}"
    if out_dir is not None:
        write_report(results, real, feats, out_dir)
    return results


def _verdict(results: dict) -> None:
    """The genre ratio, and the gate's verdict (`passed`, `gate_failures`)."""
    real_genre = results["real_genre_recognition"]
    results["genre_ratio"] = (float("nan") if np.isnan(real_genre) else
                              results["controls"]["model"]["genre_recognition"] / max(real_genre, 1e-9))
    if results["realism"]:
        results["passed"], results["gate_failures"] = gate(results)
    else:
        results["passed"], results["gate_failures"] = False, [
            f"only {results['clips']['real_a']} reference clips in slice A; at least "
            f"{MIN_REFERENCE_CLIPS} are needed"]


def summary(results: dict) -> dict:
    """What the manifest keeps of an evaluation."""
    r = results["realism"]
    return plain({"passed": results["passed"], "gate_failures": results["gate_failures"],
                  "c2st_auc": {k: v["c2st_auc"] for k, v in r.items()},
                  **({"c2st_by_classifier": {k: {c: a["auc"] for c, a in v["c2st_by_classifier"].items()}
                                             for k, v in r.items()}}
                     if any("c2st_by_classifier" in v for v in r.values()) else {}),
                  "mean_overlap": {k: v["mean_overlap"][0] for k, v in r.items()},
                  "controls": results["controls"]["model"], "genre_ratio": results["genre_ratio"],
                  "copy_rates": results["copy_rates"],
                  "reference": results["reference"], "clips": results["clips"]})


def evaluate_and_record(spec: RoleSpec, config: TrainingConfig, ckpt: Checkpoint, out_dir: Path | None,
                        reference: Path | None = None, genre: str | None = None, command: str = "",
                        data: RoleData | None = None, root: Path = Path(".")) -> dict:
    """Evaluate, then write the summary and the promotion verdict into the checkpoint's manifest."""
    results = evaluate(spec, config, ckpt, out_dir, reference, genre, command, data, root)
    Registry.record_evaluation(ckpt, summary(results), results["passed"])
    return results
