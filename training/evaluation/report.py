"""Write an evaluation's results: `<role>.md` (tables), `<role>.json` (every number) and PNG plots
of the feature distributions, real vs generated."""

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from training.evaluation.checks import limits  # noqa: E402
from training.evaluation.gate import which_classifier  # noqa: E402

PLOTTED = ("model", "markov", "random")
SYSTEM_NOTES = {
    "model": "the checkpoint under test",
    "previous": "the checkpoint before it",
    "markov": "order-2 Markov baseline, training split",
    "random": "random baseline (per-genre rates), training split",
    "copy": "copies of training clips",
    "real_b": "real slice B: ceiling / noise floor",
}


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


def _fmt(x, spec: str = ".3f") -> str:
    return "n/a" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, spec)


def plot_features(real: np.ndarray, systems: dict[str, np.ndarray], names: list[str],
                  n_scalars: int, path: Path) -> None:
    """One panel per scalar feature (histograms), one per onset-histogram group (mean shares)."""
    groups = sorted({m[1] for n in names if (m := re.match(r"(.+)_hist_\d+$", n))})
    panels = n_scalars + len(groups)
    cols = 4
    fig, axes = plt.subplots((panels + cols - 1) // cols, cols, figsize=(4 * cols, 3 * ((panels + 3)
                                                                                      // cols)))
    axes = np.atleast_1d(axes).ravel()
    shown = {"real": real, **{k: v for k, v in systems.items() if k in PLOTTED}}
    for f in range(n_scalars):
        ax = axes[f]
        lo = min(v[:, f].min() for v in shown.values())
        hi = max(v[:, f].max() for v in shown.values())
        bins = np.linspace(lo, hi if hi > lo else lo + 1, 25)
        for name, v in shown.items():
            ax.hist(v[:, f], bins=bins, density=True, histtype="step", label=name,
                    linewidth=2 if name == "real" else 1.2)
        ax.set_title(names[f], fontsize=9)
    for k, group in enumerate(groups):
        ax = axes[n_scalars + k]
        cols_g = [i for i, n in enumerate(names) if n.startswith(f"{group}_hist_")]
        for name, v in shown.items():
            ax.plot(range(len(cols_g)), v[:, cols_g].mean(axis=0), marker=".", label=name)
        ax.set_title(f"{group} onsets per position in the bar", fontsize=9)
    for ax in axes[panels:]:
        ax.axis("off")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def write_report(results: dict, real: np.ndarray, systems: dict[str, np.ndarray],
                 out_dir: Path) -> None:
    role = results["role"]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{role}.json").write_text(json.dumps(plain(results), indent=2) + "\n")
    if len(real) and results["realism"]:
        plot_features(real, systems, results["feature_names"], len(results["scalar_features"]),
                      out_dir / f"{role}-features.png")
    lines = [*_head(results), *_realism(results, real, systems), *_structure(results), *_programmed(results),
             *_harmony_structure(results), *_checks(results),
             *_controls(results),
             *_chord_following(results), *_originality(results), *_reading(results)]
    (out_dir / f"{role}.md").write_text("\n".join(lines) + "\n")


def _head(results: dict) -> list[str]:
    return [
        f"# {results['role']}: evaluation of checkpoint {results['checkpoint']}",
        "",
        f"Command: `{results['command']}` ({results['seconds']} s on the 2-core CPU machine).",
        "",
        f"Reference: {results['reference']}, split by source file into slice A "
        f"({results['clips']['real_a']} clips; every system generates under their conditions) and "
        f"slice B ({results['clips']['real_b']} clips, real music no system saw). "
        f"Previous checkpoint: {results['previous'] or 'none'}.",
        "",
        "**Promotion gate: " + ("PASSED**" if results["passed"] else "FAILED**: "
                                + "; ".join(results["gate_failures"])),
        "",
        *_target(results),
    ]


def _target(results: dict) -> list[str]:
    """The realism target a role reports beside the gate (drums)."""
    target, model = results.get("realism_target"), results["realism"].get("model")
    if target is None or not model:
        return []
    met = "met" if model["c2st_auc"] <= target else "**not met**"
    lo, hi = model["c2st_auc_range"]
    return [f"Realism target: C2ST AUC at most {target} (both classifiers): {met}, "
            f"{model['c2st_auc']:.3f}{which_classifier(model)} (range over seeds {lo:.3f}-{hi:.3f}).", ""]


def _realism(results: dict, real: np.ndarray, systems: dict[str, np.ndarray]) -> list[str]:
    scalars = results["scalar_features"]
    several = any("c2st_by_classifier" in v for v in results["realism"].values())
    classifiers = list(next(iter(results["realism"].values()))["c2st_by_classifier"]) if several else []
    lines = [
        "## Realism against slice A",
        "",
        ("C2ST AUC: cross-validated AUC of a classifier telling real clips from the system's, on "
         "every feature (0.5 = indistinguishable; mean and range over 5 seeds), for each of "
         f"{', '.join(classifiers)} (logistic regression; gradient-boosted trees); the bold one is "
         "the harder (higher), which the gate uses. " if several else
         "C2ST AUC: cross-validated AUC of a logistic regression telling real clips from the "
         "system's, on every feature (0.5 = indistinguishable; mean and range over 5 seeds). ")
        + "Overlap: MGEval-style overlapping area of each feature's density with the real one "
        "(1 = identical), bootstrap 95% interval in brackets.",
        "",
        "| system | C2ST AUC | " + "".join(f"{c} | " for c in classifiers) + "mean overlap | "
        + " | ".join(scalars) + " |",
        "|---|---|" + "---|" * len(classifiers) + "---|" + "---|" * len(scalars),
    ]
    for name, v in results["realism"].items():
        m = v["mean_overlap"]
        cells = [f"{o:.2f} [{lo:.2f}, {hi:.2f}]" for o, lo, hi in v["overlap"]]
        by = "".join(f"{a['auc']:.3f} ({a['range'][0]:.3f}-{a['range'][1]:.3f}) | "
                     for a in v.get("c2st_by_classifier", {}).values())
        lines.append(f"| {name} ({SYSTEM_NOTES.get(name, '')}) | **{v['c2st_auc']:.3f}** "
                     f"({v['c2st_auc_range'][0]:.3f}-{v['c2st_auc_range'][1]:.3f}) | {by}"
                     f"{m[0]:.3f} [{m[1]:.3f}, {m[2]:.3f}] | " + " | ".join(cells) + " |")
    lines += ["", "Feature means (real slice A first):", "",
              "| system | " + " | ".join(scalars) + " |", "|---|" + "---|" * len(scalars)]
    for name, v in {"real_a": real, **systems}.items():
        if len(v):
            lines.append(f"| {name} | " + " | ".join(f"{x:.3f}" for x in v[:, :len(scalars)].mean(0))
                         + " |")
    return lines


def _structure(results: dict) -> list[str]:
    """Per genre, the structure measures of every system beside the real slices' (roles that report
    them: drums)."""
    st = results.get("structure")
    if not st:
        return []
    lines = ["", "## Structure per genre (means over the clips; real slices first)", "",
             "Loop repetition: share of bars 3.. whose kick+snare pattern equals the bar one or two "
             "before. Backbeat: share of bars with a snare on beats 2 and 4 (4/4). Four on the floor: "
             "share of bars with a kick on every beat. Skeleton similarity: best Jaccard overlap of a "
             "bar's accented kick+snare hits with the bar one or two before.", "",
             "| genre | system | clips | " + " | ".join(st["measures"]) + " |",
             "|---|---|---|" + "---|" * len(st["measures"])]
    for genre, systems in st["by_genre"].items():
        order = sorted(systems, key=lambda n: (not n.startswith("real"), n))
        for name in order:
            cell = systems[name]
            lines.append(f"| {genre} | {name} | {cell['clips']} | "
                         + " | ".join(_fmt(cell[k], ".3f") for k in st["measures"]) + " |")
    return lines


def _programmed(results: dict) -> list[str]:
    """The programmed genres (drums): generated parts at the defaults beside the rule material,
    and the genre pairs a classifier must tell apart."""
    pr = results.get("programmed")
    if not pr:
        return []
    lines = ["", "## Programmed genres (no recordings: generated at the service defaults, 8 bars "
             "with a fill in bar 8, beside the style rules' validation clips)", "",
             "| genre | system | " + " | ".join(pr["measures"]) + " |",
             "|---|---|" + "---|" * len(pr["measures"])]
    for genre, row in pr["by_genre"].items():
        for name in ("model", "rules"):
            lines.append(f"| {genre} | {name} | "
                         + " | ".join(_fmt(row[name][k], ".3f") for k in pr["measures"]) + " |")
    lines += ["", "Genres told apart (cross-validated AUC of the better of a logistic regression "
              "and boosted trees on the clip features; 0.5 = the same genre):", ""]
    lines += [f"- {pair}: {auc:.3f}" for pair, auc in pr["pairs"].items()]
    return lines


def _harmony_structure(results: dict) -> list[str]:
    """Per genre, the role's structure measures at the service defaults (chords, bassline,
    melody: 8 bars; lines over Am F C G)."""
    hs = results.get("harmony_structure")
    if not hs:
        return []
    table = hs["by_genre"]
    cols = list(next(iter(table.values())))
    lines = ["", "## Structure per genre at the service defaults (8 bars; lines over Am F C G; "
             "20 seeds)", "", "| genre | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    lines += [f"| {g} | " + " | ".join(_fmt(row[c], ".3f") for c in cols) + " |"
              for g, row in table.items()]
    if "in_key_grid" in hs:
        grid = hs["in_key_grid"]
        lines += ["", f"In key over {grid['requests']} requests (every genre x 5 modes x 3 "
                  f"complexities x 2 seeds): mean {grid['mean']:.3f}, worst {grid['worst']:.3f}. "
                  f"Trap and lo-fi identical for the same key and seed: {hs['trap_lofi_same']:.0%}."]
    if "distinctness" in hs:
        d = hs["distinctness"]
        lines += ["", f"Genres told apart (pairwise AUC, the better of a logistic regression and "
                  f"boosted trees on onset profile, density, durations, intervals and range): mean "
                  f"{d['mean']:.3f}; hardest pairs: "
                  + ", ".join(f"{a}/{b} {v:.2f}" for a, b, v in d["hardest"]) + "."]
    for name in ("chord_tones", "odd_16ths"):
        if name in hs:
            lines += ["", f"{name.replace('_', ' ')} under the real clips' chords: real "
                      f"{hs[name]['real']:.3f}, model {hs[name]['model']:.3f}."]
    return lines


def _checks(results: dict) -> list[str]:
    """The role's structure checks, each with its limit (the gate applies them)."""
    checks = results.get("checks")
    if not checks:
        return []
    lines = ["", "## Structure checks (the gate applies them)", "", "| check | value | limit | |",
             "|---|---|---|---|"]
    lines += [f"| {c['measure']} | {c['value']:.3f} | {limits(c)} | "
              f"{'met' if c['passed'] else '**not met**'} |" for c in checks]
    return lines


def _controls(results: dict) -> list[str]:
    ctl = results["controls"]
    names = list(ctl)
    real_genre = results["real_genre_recognition"]
    return [
        "",
        "## Controls",
        "",
        "| control | " + " | ".join(names) + " | required |",
        "|---|" + "---|" * len(names) + "---|",
        *[f"| {k} (share of clips exactly right) | " + " | ".join(
            _fmt(ctl[n][k], ".1%") for n in names) + " | 100% |"
          for k in ("bars", "tempo", "time_signature")],
        "| density: rank correlation, requested vs generated percentile | " + " | ".join(
            _fmt(ctl[n]["density_rank_corr"], ".3f") for n in names) + " | >= 0.5 |",
        f"| genre recognised (real slice A: {_fmt(real_genre, '.3f')}) | " + " | ".join(
            f"{_fmt(ctl[n]['genre_recognition'], '.3f')} "
            f"(x{_fmt(ctl[n]['genre_recognition'] / max(real_genre, 1e-9), '.2f')})"
            for n in names) + f" | x{(results.get('gate_limits') or {}).get('min_genre_ratio', 0.8)} "
        "of real |",
        *([f"| key (Krumhansl-Schmuckler finds the requested key; real slice A: "
           f"{_fmt(results['real_key_accuracy'], '.3f')}) | " + " | ".join(
               _fmt(ctl[n]["key"], ".3f") for n in names) + " | x0.8 of real |"]
          if "real_key_accuracy" in results else []),
        "",
        "The genre classifier is a logistic regression on the same features, trained on the "
        "training split's real clips.",
        "",
    ]


def _chord_following(results: dict) -> list[str]:
    follow = results.get("chord_following")
    if not follow:
        return []
    measures = next(iter(follow.values()))
    return ["## Chord following (means over the clips; the model must beat Markov)", "",
            "As served (every decode mask on), and `_unconstrained`: the model and the Markov "
            "baseline with only the register mask, which shows what each learned about following "
            "the chords (the Markov model never sees them).", "",
            "| system | " + " | ".join(measures) + " |",
            "|---|" + "---|" * len(measures),
            *[f"| {n} | " + " | ".join(f"{v:.3f}" for v in m.values()) + " |"
              for n, m in follow.items()], ""]


def _originality(results: dict) -> list[str]:
    return [
        f"## Originality: share of {results['copy_unit']} found in the training split",
        "",
        "| system | copy rate |",
        "|---|---|",
        *[f"| {n} ({SYSTEM_NOTES.get(n, '')}) | {_fmt(v, '.4f')} |"
          for n, v in results["copy_rates"].items()],
        "",
        "Rule: the model's copy rate may exceed held-out real music's (real_b) by at most 5 "
        "points. The model's rate is measured with its generation-time originality guard on, as "
        "the service runs it.",
        "",
    ]


def _reading(results: dict) -> list[str]:
    return [
        "## Feature distributions",
        "",
        f"![features]({results['role']}-features.png)",
        "",
        "## Reading the numbers",
        "",
        "- Folds of the C2ST keep each source file (and the clips generated under its conditions) "
        "on one side, so the classifier cannot win by recognising a performance it saw. With few "
        "source files per fold, two real samples can score below 0.5: real_b's AUC is the noise "
        "floor, and anything near or under it is indistinguishable from real.",
        "- The copy baseline is real music, so it scores like real_b on realism: it shows what the "
        "copy rate measure catches, not a system to beat.",
        *[f"- {n}" for n in results.get("notes", [])],
    ]
