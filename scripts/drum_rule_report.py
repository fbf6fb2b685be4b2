"""How the drum style rules loop and how far drill is from trap: `python scripts/drum_rule_report.py`.

For every rule genre, over `SEEDS` clips of `generate(genre, default_rng(seed), 8, "4/4",
fill_every=8)`: the mean loop repetition (`training.roles.drums.structure`) at variety 0, the genre's
default and 1; then drill against trap: the cross-validated AUC of a logistic regression on
`structure_vector` (100 clips each) and the share of drill's kick+snare hits that trap has at the same
seed. Prints a table and one JSON line.
"""

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from beatengine.roles.drums import vocab as V  # noqa: E402
from beatengine.roles.drums.style_rules import DEFAULT_VARIETY, RULE_GENRES, generate  # noqa: E402
from training.roles.drums import structure  # noqa: E402

SEEDS = 50


def clip(genre: str, seed: int, variety: float | None = None):
    return generate(genre, np.random.default_rng(seed), 8, "4/4", fill_every=8, variety=variety)


def loop_repetition(genre: str, variety: float | None) -> float:
    return float(np.mean([structure.loop_repetition(clip(genre, s, variety)[0]) for s in range(SEEDS)]))


def drill_vs_trap_auc(n: int = 100) -> float:
    x = np.array([structure.structure_vector(*clip(g, s)) for g in ("drill", "trap") for s in range(n)])
    y = np.repeat([1, 0], n)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    return float(cross_val_score(model, x, y, cv=5, scoring="roc_auc").mean())


def shared_hits(n: int = SEEDS) -> float:
    """Mean share of drill's kick+snare hits that trap plays too (same step, same piece)."""
    shares = []
    for s in range(n):
        drill, trap = (clip(g, s)[0].hits[:, [V.KICK, V.SNARE]] for g in ("drill", "trap"))
        shares.append((drill & trap).sum() / drill.sum())
    return float(np.mean(shares))


def main() -> None:
    rows = {g: {"variety_0": loop_repetition(g, 0.0), "default": loop_repetition(g, None),
                "variety_1": loop_repetition(g, 1.0), "default_variety": DEFAULT_VARIETY[g]}
            for g in RULE_GENRES}
    print(f"{'genre':<14} {'v=0':>6} {'default':>8} {'v=1':>6}")
    for g, r in rows.items():
        print(f"{g:<14} {r['variety_0']:6.3f} {r['default']:8.3f} {r['variety_1']:6.3f}"
              f"   (default variety {r['default_variety']})")
    auc, shared = drill_vs_trap_auc(), shared_hits()
    print(f"drill vs trap: logistic AUC {auc:.3f}, drill's kick+snare hits shared with trap {shared:.1%}")
    print(json.dumps({"loop_repetition": rows, "drill_vs_trap_auc": auc, "shared_hits": shared}))


if __name__ == "__main__":
    main()
