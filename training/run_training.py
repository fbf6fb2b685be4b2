"""Training entry point: `python -m training.run_training --config training/configs/local.json`.

Trains every role the config lists (CUDA when present, else the CPU), writes each result as the
next semantic version under `<model_dir>/checkpoints/<role>/`, then evaluates it
(`training.evaluate`, report in `<version>/evaluation/`) and marks it `promoted` in its manifest when
it passes the promotion gate. The service serves the newest promoted version.
"""

import argparse
import importlib
import json
import logging
import os
import sys
from pathlib import Path

from training.data_pipeline import NoTrainingData
from training.evaluate import evaluate_and_record

# role -> (module with train(*args, role_cfg, model_dir), leading args)
TRAINERS = {"drums": ("training.train_drums", ()), "chords": ("training.train_seq", ("chords",)),
            "bassline": ("training.train_seq", ("bassline",)), "melody": ("training.train_seq", ("melody",))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the engine's models.")
    parser.add_argument("--config", default="training/configs/local.json")
    parser.add_argument("--roles", nargs="*", help="override the config's role list")
    parser.add_argument("--model-dir", help="override the config's model_dir (else MODEL_DIR)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    cfg = json.loads(Path(args.config).read_text())
    model_dir = Path(args.model_dir or os.environ.get("MODEL_DIR") or cfg.get("model_dir", "models"))
    for role in args.roles or cfg.get("roles", list(TRAINERS)):
        if role not in TRAINERS or role not in cfg:
            print(f"error: no trainer or config section for role {role!r}", file=sys.stderr)
            return 2
        module, args_ = TRAINERS[role]
        try:
            ckpt = importlib.import_module(module).train(*args_, cfg[role], model_dir)
        except NoTrainingData as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        m = ckpt.manifest["metrics"]
        nll = {k: v for k, v in m.items() if "nll" in k}
        print(f"{role}: wrote version {ckpt.version} to {ckpt.path} ({nll}, "
              f"{m['train_seconds']} s on {m['device']})")
        results = evaluate_and_record(role, cfg, ckpt, ckpt.path / "evaluation")
        print(f"{role} {ckpt.version}: " + ("promoted" if results["passed"] else
              "NOT promoted: " + "; ".join(results["gate_failures"]))
              + f" (report: {ckpt.path / 'evaluation' / (role + '.md')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
