"""Build the originality index a checkpoint ships with (see `beatengine.originality`).

Training writes it into every new checkpoint. For a checkpoint made before the index existed:

    python -m training.originality_index --role drums --from-version 1.0.0

publishes the same weights plus a freshly built index as the next patch version (manifest:
`derived_from`). It also serves when the index rules change (e.g. how thresholds are calibrated).
"""

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from beatengine.checkpoints import Registry
from beatengine.originality import INDEX_FILE, CopyIndex
from beatengine.roles.drums.features import onset_window_hashes
from training import data_pipeline as dp

# A part copies when more of its windows are found in the training set than held-out real music
# shows, by this margin (the evaluation's copy rule, applied to one part).
COPY_MARGIN = 0.05


def drum_windows(examples: list[dp.Example]) -> dict[str, np.ndarray]:
    """Onset-grid window hashes per origin (performance or file) of real, non-rule examples."""
    pieces: dict[str, list[np.ndarray]] = defaultdict(list)
    for e in examples:
        if e.source != "rules":
            pieces[e.origin].append(onset_window_hashes(e.grid.hits, e.grid.meter))
    return {k: np.concatenate(v) for k, v in pieces.items()}


def drum_index(examples: list[dp.Example]) -> CopyIndex:
    """The index of the training split's real grooves (the style rules are ours: copying them is
    no one's loss), with its held-out copy rate measured on the validation split."""
    index = CopyIndex.build(drum_windows([e for e in examples if e.split == "train"]).values())
    held = list(drum_windows([e for e in examples if e.split == "validation"]).values())
    return index.calibrate(held, COPY_MARGIN)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="training/configs/local.json")
    ap.add_argument("--role", default="drums", choices=["drums", "chords", "bassline", "melody"])
    ap.add_argument("--from-version", required=True)
    ap.add_argument("--model-dir")
    args = ap.parse_args(argv)
    cfg = json.loads(Path(args.config).read_text())
    registry = Registry(args.model_dir or cfg.get("model_dir", "models"))
    source = next((c for c in registry.checkpoints(args.role) if c.version == args.from_version
                   and c.valid), None)
    if source is None:
        print(f"error: no valid {args.role} checkpoint {args.from_version}", file=sys.stderr)
        return 2
    if args.role == "drums":
        index = drum_index(dp.collect_examples(cfg["drums"]["data"]))
    else:
        from training.harmony_data import load_harmony
        from training.train_seq import build_index

        index = build_index(args.role, load_harmony(cfg[args.role]["data"]))
    files = {name: (source.path / name).read_bytes() for name in source.manifest["files"]
             if name != INDEX_FILE}
    files[INDEX_FILE] = index.to_bytes()
    manifest = {k: v for k, v in source.manifest.items()
                if k not in ("files", "version", "created_at", "role", "promoted", "evaluation")}
    manifest["derived_from"] = source.version
    ckpt = registry.publish(args.role, files, {**manifest, "originality": index_summary(index)},
                            bump="patch")
    print(f"{args.role}: wrote {ckpt.version} ({len(index.hashes)} windows indexed, held-out copy "
          f"rate {index.held_out_copy_rate:.4f})")
    return 0


def index_summary(index: CopyIndex) -> dict:
    return {"windows": len(index.hashes), "held_out_copy_rate": round(index.held_out_copy_rate, 5),
            "max_copy_share": round(index.max_copy_share, 5)}


if __name__ == "__main__":
    sys.exit(main())
