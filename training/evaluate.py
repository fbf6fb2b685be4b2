"""Is this checkpoint better than the last one and than trivial baselines, does it obey its controls,
and does it copy its training data?

    python -m training.evaluate --role drums [--checkpoint DIR] [--reference DIR_OF_MIDI]
        [--genre GENRE] [--config training/configs/local.json] [--out docs/quality]

The reference (default: the validation split; or any folder of .mid files) is cut by origin into two
disjoint slices A and B. Every system generates under the conditions of the clips in A (genre,
tempo, metre, bars, fixed seeds) and is compared with A; slice B, real music the systems never saw,
gives the ceiling (how real looks to real) and the noise floor (the AUC two real samples reach).
Writes `<out>/<role>.md`, `<role>.json` (every number) and `<role>-*.png`.
"""

import argparse
import hashlib
import importlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from beatengine.checkpoints import Checkpoint, Registry, parse_version
from training import measures

EVALUATORS = {"drums": "training.eval_drums", "chords": "training.eval_harmony",
              "bassline": "training.eval_harmony", "melody": "training.eval_harmony"}

# The promotion gate.
REQUIRED_EXACT = ("bars", "tempo", "time_signature")   # share of clips that must be exactly right
MIN_DENSITY_RANK_CORR = 0.5
MIN_GENRE_RATIO = 0.8          # generated genre recognition / real genre recognition
MIN_KEY_RATIO = 0.8            # generated key accuracy / real clips' (the ceiling)
MAX_COPY_MARGIN = 0.05         # copy rate over held-out real music's
BASELINES = ("markov", "random", "copy")


@dataclass
class Context:
    """What a role's evaluator gets."""
    role: str
    cfg: dict
    checkpoint: Checkpoint
    previous: Checkpoint | None
    reference: Path | None
    genre: str | None
    seed: int
    max_clips: int
    measures = measures

    def slices(self, clips: list, origin: Callable) -> tuple[list, list]:
        """Split clips by origin (a file never lands in both) into slices A and B by a stable hash,
        then keep at most `max_clips` of each, seeded."""
        def side(c) -> int:
            return hashlib.sha256(str(origin(c)).encode()).digest()[0] % 2

        rng = np.random.default_rng(self.seed)
        out = []
        for s in (0, 1):
            part = [c for c in clips if side(c) == s]
            keep = sorted(rng.permutation(len(part))[:self.max_clips])
            out.append([part[i] for i in keep])
        return out[0], out[1]


def previous_checkpoint(registry: Registry, ckpt: Checkpoint) -> Checkpoint | None:
    """The newest valid version below `ckpt`."""
    older = [c for c in registry.checkpoints(ckpt.role) if c.valid and
             parse_version(c.version) < parse_version(ckpt.version)]
    return older[0] if older else None


def realism(real: np.ndarray, systems: dict[str, np.ndarray], groups: dict[str, list],
            n_scalars: int, seed: int, bootstrap: int) -> dict[str, dict]:
    """Per system: C2ST AUC (mean and range over 5 seeds) on the full feature vectors, and the
    overlapping area of every scalar feature with a bootstrap 95% interval, plus their mean."""
    out = {}
    for name, gen in systems.items():
        aucs = [measures.c2st_auc(real, gen, groups["real_a"], groups[name], seed=seed + k)
                for k in range(5)]
        per_feature = []
        for f in range(n_scalars):
            oa = measures.overlap_area(real[:, f], gen[:, f])
            lo, hi = measures.bootstrap_ci(lambda r, g, f=f: measures.overlap_area(r[:, f], g[:, f]),
                                           real, gen, n=bootstrap, seed=seed)
            per_feature.append([oa, lo, hi])
        mean_lo, mean_hi = measures.bootstrap_ci(
            lambda r, g: measures.mean_overlap(r[:, :n_scalars], g[:, :n_scalars]), real, gen,
            n=bootstrap, seed=seed)
        out[name] = {"c2st_auc": float(np.mean(aucs)), "c2st_auc_range": [min(aucs), max(aucs)],
                     "overlap": per_feature,
                     "mean_overlap": [float(np.mean([p[0] for p in per_feature])), mean_lo, mean_hi]}
    return out


def gate(results: dict) -> tuple[bool, list[str]]:
    """Promotion: beats the Markov baseline on realism (lower C2ST AUC), meets every control
    threshold, and copies no more than held-out real music does (plus the margin)."""
    why = []
    r, c = results["realism"], results["controls"]["model"]
    if not r["model"]["c2st_auc"] < r["markov"]["c2st_auc"]:
        why.append(f"realism: C2ST AUC {r['model']['c2st_auc']:.3f} does not beat Markov's "
                   f"{r['markov']['c2st_auc']:.3f}")
    for k in REQUIRED_EXACT:
        if c.get(k) is not None and c[k] < 1.0:
            why.append(f"control {k}: {c[k]:.1%} of clips right, 100% required")
    if c.get("density_rank_corr") is not None and not c["density_rank_corr"] >= MIN_DENSITY_RANK_CORR:
        why.append(f"control density: rank correlation {c['density_rank_corr']:.2f} < "
                   f"{MIN_DENSITY_RANK_CORR}")
    ratio = results["genre_ratio"]
    if not np.isnan(ratio) and not ratio >= MIN_GENRE_RATIO:
        why.append(f"control genre: recognised {ratio:.2f} times as often as real, "
                   f"{MIN_GENRE_RATIO} required")
    ceiling = results.get("real_key_accuracy", float("nan"))
    if not np.isnan(ceiling) and not c["key"] >= MIN_KEY_RATIO * ceiling:
        why.append(f"control key: {c['key']:.2f} of clips in the requested key, real clips reach "
                   f"{ceiling:.2f}; {MIN_KEY_RATIO} of that required")
    follow = results.get("chord_following") or {}
    for measure, value in follow.get("model", {}).items():   # as served: masks on
        if value < follow["markov"][measure]:
            why.append(f"chord following: {measure} {value:.3f} below Markov's "
                       f"{follow['markov'][measure]:.3f}")
    for measure, value in follow.get("model_unconstrained", {}).items():   # what each learned
        if not value > follow["markov_unconstrained"][measure]:
            why.append(f"chord following without masks: {measure} {value:.3f} does not beat "
                       f"Markov's {follow['markov_unconstrained'][measure]:.3f}")
    copy, held = results["copy_rates"]["model"], results["copy_rates"]["real_b"]
    if not copy <= held + MAX_COPY_MARGIN:
        why.append(f"originality: copy rate {copy:.3f} > held-out {held:.3f} + {MAX_COPY_MARGIN}")
    return not why, why


def evaluate(role: str, cfg: dict, checkpoint: Checkpoint, out_dir: Path | None,
             reference: Path | None = None, genre: str | None = None, command: str = "") -> dict:
    """Run the evaluation of one role, write the report (unless `out_dir` is None), return results."""
    started = time.monotonic()
    ecfg = cfg.get("evaluation", {})
    registry = Registry(checkpoint.path.parents[2])  # <model_dir>/checkpoints/<role>/<version>
    ctx = Context(role, cfg, checkpoint, previous_checkpoint(registry, checkpoint), reference, genre,
                  int(ecfg.get("seed", 0)), int(ecfg.get("max_clips", 300)))
    raw = importlib.import_module(EVALUATORS[role]).evaluate(ctx)
    feats, groups = raw.pop("features"), raw.pop("groups")
    real = feats.pop("real_a")
    n_real = len(real)
    results = {
        "role": role, "checkpoint": checkpoint.version,
        "previous": ctx.previous.version if ctx.previous else None,
        "reference": str(reference) if reference else "validation split",
        "clips": {"real_a": n_real, "real_b": len(feats.get("real_b", []))},
        **raw,
        "realism": realism(real, feats, groups, len(raw["scalar_features"]), ctx.seed,
                           int(ecfg.get("bootstrap", 100))) if n_real >= 10 else {},
    }
    real_genre = results["real_genre_recognition"]
    results["genre_ratio"] = (float("nan") if np.isnan(real_genre) else
                              results["controls"]["model"]["genre_recognition"] / max(real_genre, 1e-9))
    if results["realism"]:
        results["passed"], results["gate_failures"] = gate(results)
    else:
        results["passed"], results["gate_failures"] = False, [
            f"only {n_real} reference clips in slice A; at least 10 are needed"]
    results["seconds"] = round(time.monotonic() - started, 1)
    results["command"] = command or f"python -m training.evaluate --role {role}"
    if out_dir is not None:
        from training.report import write_report

        write_report(results, real, feats, out_dir)
    return results


def plain(x):
    """Numbers as JSON allows them: numpy scalars as Python ones, NaN as null, 5 decimals."""
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [plain(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float):
        return None if np.isnan(x) else round(x, 5)
    return x


def summary(results: dict) -> dict:
    """What the manifest keeps of an evaluation."""
    r = results["realism"]
    return plain({"passed": results["passed"], "gate_failures": results["gate_failures"],
            "c2st_auc": {k: v["c2st_auc"] for k, v in r.items()},
            "mean_overlap": {k: v["mean_overlap"][0] for k, v in r.items()},
            "controls": results["controls"]["model"], "genre_ratio": results["genre_ratio"],
            "copy_rates": results["copy_rates"],
            "reference": results["reference"], "clips": results["clips"]})


def evaluate_and_record(role: str, cfg: dict, ckpt: Checkpoint, out_dir: Path | None,
                        reference: Path | None = None, genre: str | None = None,
                        command: str = "") -> dict:
    """Evaluate, then write the summary and the promotion verdict into the checkpoint's manifest."""
    results = evaluate(role, cfg, ckpt, out_dir, reference, genre, command)
    Registry.record_evaluation(ckpt, summary(results), results["passed"])
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--role", default="drums", choices=sorted(EVALUATORS))
    ap.add_argument("--config", default="training/configs/local.json")
    ap.add_argument("--checkpoint", help="a checkpoint directory (default: the one the service "
                    "loads: the newest promoted, else the newest valid)")
    ap.add_argument("--reference", help="a folder of .mid files (default: the validation split)")
    ap.add_argument("--genre", help="genre of reference files whose folder is not a genre name")
    ap.add_argument("--out", default="docs/quality")
    ap.add_argument("--record", action="store_true", help="write the result into the checkpoint's "
                    "manifest and promote it when it passes the gate")
    args = ap.parse_args(argv)
    cfg = json.loads(Path(args.config).read_text())
    registry = Registry(cfg.get("model_dir", "models"))
    if args.checkpoint:
        path = Path(args.checkpoint)
        ckpt = next((c for c in Registry(path.parents[2]).checkpoints(args.role)
                     if c.path.resolve() == path.resolve()), None)
    else:
        ckpt = registry.latest_promoted(args.role) or registry.latest_valid(args.role)
    if ckpt is None or not ckpt.valid:
        print(f"error: no valid {args.role} checkpoint", file=sys.stderr)
        return 2
    command = "python -m training.evaluate " + " ".join(argv if argv is not None else sys.argv[1:])
    run = evaluate_and_record if args.record else evaluate
    results = run(args.role, cfg, ckpt, Path(args.out),
                  Path(args.reference) if args.reference else None, args.genre, command.strip())
    verdict = "PASSES" if results["passed"] else "FAILS: " + "; ".join(results["gate_failures"])
    print(f"{args.role} {ckpt.version} {verdict} ({results['seconds']} s); report in {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
