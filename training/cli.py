"""The training commands, as `python -m training {data,train,evaluate,reindex,calibrate} --role R`
runs them (and the old module entry points, kept as shims, call them too).

- `data`: what the role's material holds (counts per source, split, genre, ...);
- `train`: train, publish and evaluate each role (`training.pipeline.train_role`);
- `evaluate`: evaluate a checkpoint (`training.evaluation.harness`), `--record` writes the verdict;
- `reindex`: republish a checkpoint with a freshly built originality index (`training.pipeline.reindex`).
- `calibrate`: republish a checkpoint with its config calibrated afresh (`training.pipeline.recalibrate`).

Exit status: 0 done, 1 no training material, 2 a bad config, role or checkpoint.
"""

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from beatengine.checkpoints import Checkpoint, Registry
from training.config import DEFAULT_CONFIG, ConfigError, TrainingConfig, load_config
from training.errors import NoTrainingData
from training.evaluation.harness import evaluate, evaluate_and_record
from training.pipeline import recalibrate, reindex, train_role
from training.roles import SPECS


def _error(message: str, status: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


def _config(args: argparse.Namespace) -> TrainingConfig:
    return load_config(args.config)


# ---- data --------------------------------------------------------------------------------------
def add_data_args(ap: argparse.ArgumentParser, role_default: str | None = None) -> None:
    ap.add_argument("--role", choices=list(SPECS), default=role_default, required=role_default is None)
    ap.add_argument("--config", default=DEFAULT_CONFIG)


def run_data(args: argparse.Namespace) -> int:
    """Print the summary of everything the role learns from."""
    spec, config = SPECS[args.role], _config(args)
    if config.role(args.role) is None:
        return _error(f"the config has no section for role {args.role!r}", 2)
    try:
        material = spec.material(config.role(args.role), Path("."))
    except NoTrainingData as exc:
        raise SystemExit(str(exc)) from exc
    print(json.dumps(spec.summarize(material), indent=2))
    return 0


# ---- train -------------------------------------------------------------------------------------
def add_train_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--config", default=DEFAULT_CONFIG)
    ap.add_argument("--role", "--roles", dest="roles", nargs="*", help="override the config's role list")
    ap.add_argument("--model-dir", help="override the config's model_dir (else MODEL_DIR)")


def run_train(args: argparse.Namespace) -> int:
    """Train every role asked for, each evaluated and promoted when it passes the gate."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    config = _config(args)
    model_dir = Path(args.model_dir or os.environ.get("MODEL_DIR") or config.model_dir)
    for role in args.roles or config.roles or list(SPECS):
        if role not in SPECS or config.role(role) is None:
            return _error(f"no trainer or config section for role {role!r}", 2)
        try:
            trained = train_role(SPECS[role], config, model_dir)
        except NoTrainingData as exc:
            return _error(str(exc), 1)
        _print_trained(role, trained.checkpoint, trained.evaluation)
    return 0


def _print_trained(role: str, ckpt, results: dict) -> None:
    m = ckpt.manifest["metrics"]
    nll = {k: v for k, v in m.items() if "nll" in k}
    print(f"{role}: wrote version {ckpt.version} to {ckpt.path} ({nll}, "
          f"{m['train_seconds']} s on {m['device']})")
    print(f"{role} {ckpt.version}: " + ("promoted" if results["passed"] else
          "NOT promoted: " + "; ".join(results["gate_failures"]))
          + f" (report: {ckpt.path / 'evaluation' / (role + '.md')})")


# ---- evaluate ----------------------------------------------------------------------------------
def add_evaluate_args(ap: argparse.ArgumentParser, role_default: str | None = None) -> None:
    ap.add_argument("--role", choices=sorted(SPECS), default=role_default, required=role_default is None)
    ap.add_argument("--config", default=DEFAULT_CONFIG)
    ap.add_argument("--checkpoint", help="a checkpoint directory (default: the one the service "
                    "loads: the newest promoted, else the newest valid)")
    ap.add_argument("--reference", help="a folder of .mid files (default: the validation split)")
    ap.add_argument("--genre", help="genre of reference files whose folder is not a genre name")
    ap.add_argument("--out", default="docs/quality")
    ap.add_argument("--record", action="store_true", help="write the result into the checkpoint's "
                    "manifest and promote it when it passes the gate")


def run_evaluate(args: argparse.Namespace, command: str) -> int:
    """Evaluate a checkpoint; `command` is how it was called, for the report."""
    config = _config(args)
    if args.checkpoint:
        path = Path(args.checkpoint)
        ckpt = next((c for c in Registry(path.parents[2]).checkpoints(args.role)
                     if c.path.resolve() == path.resolve()), None)
    else:
        registry = Registry(config.model_dir)
        ckpt = registry.latest_promoted(args.role) or registry.latest_valid(args.role)
    if ckpt is None or not ckpt.valid:
        return _error(f"no valid {args.role} checkpoint", 2)
    run = evaluate_and_record if args.record else evaluate
    results = run(SPECS[args.role], config, ckpt, Path(args.out),
                  Path(args.reference) if args.reference else None, args.genre, command.strip())
    verdict = "PASSES" if results["passed"] else "FAILS: " + "; ".join(results["gate_failures"])
    print(f"{args.role} {ckpt.version} {verdict} ({results['seconds']} s); report in {args.out}/")
    return 0


# ---- reindex -----------------------------------------------------------------------------------
def add_reindex_args(ap: argparse.ArgumentParser, role_default: str | None = None) -> None:
    ap.add_argument("--config", default=DEFAULT_CONFIG)
    ap.add_argument("--role", choices=list(SPECS), default=role_default, required=role_default is None)
    ap.add_argument("--from-version", required=True)
    ap.add_argument("--model-dir")


def _source(args: argparse.Namespace) -> tuple[TrainingConfig, Registry, Checkpoint | None]:
    """The config, the registry and the valid checkpoint `--from-version` names (None if none)."""
    config = _config(args)
    registry = Registry(args.model_dir or config.model_dir)
    source = next((c for c in registry.checkpoints(args.role) if c.version == args.from_version
                   and c.valid), None)
    return config, registry, source


def run_reindex(args: argparse.Namespace) -> int:
    config, registry, source = _source(args)
    if source is None:
        return _error(f"no valid {args.role} checkpoint {args.from_version}", 2)
    ckpt = reindex(SPECS[args.role], config, registry, source)
    o = ckpt.manifest["originality"]
    print(f"{args.role}: wrote {ckpt.version} ({o['windows']} windows indexed, held-out copy "
          f"rate {o['held_out_copy_rate']:.4f})")
    return 0


def run_calibrate(args: argparse.Namespace) -> int:
    config, registry, source = _source(args)
    if source is None:
        return _error(f"no valid {args.role} checkpoint {args.from_version}", 2)
    ckpt = recalibrate(SPECS[args.role], config, registry, source)
    print(f"{args.role}: wrote {ckpt.version} (config calibrated afresh; evaluate it with "
          f"python -m training evaluate --role {args.role} --checkpoint {ckpt.path} --record)")
    return 0


# ---- python -m training ------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    add_data_args(sub.add_parser("data", help="summarise a role's material"))
    add_train_args(sub.add_parser("train", help="train, publish and evaluate roles"))
    add_evaluate_args(sub.add_parser("evaluate", help="evaluate a checkpoint"))
    add_reindex_args(sub.add_parser("reindex", help="republish a checkpoint with a fresh index"))
    add_reindex_args(sub.add_parser("calibrate", help="republish a checkpoint with its config "
                                    "calibrated afresh (drums: touches, variety defaults)"))
    argv = sys.argv[1:] if argv is None else argv
    args = ap.parse_args(argv)
    return guarded(lambda: {
        "data": run_data, "train": run_train, "reindex": run_reindex, "calibrate": run_calibrate,
        "evaluate": lambda a: run_evaluate(a, "python -m training " + " ".join(argv)),
    }[args.command](args))


def guarded(run) -> int:
    """Run a command; a config that cannot be read is a clear error, not a traceback."""
    try:
        return run()
    except ConfigError as exc:
        return _error(str(exc), 2)
