"""The promotion gate: a checkpoint is promoted when it beats the Markov baseline on realism, meets
every control threshold, follows the chords at least as well as Markov (line roles), and copies no
more than held-out real music does (plus the margin)."""

import numpy as np

from training.evaluation.checks import failures

REQUIRED_EXACT = ("bars", "tempo", "time_signature")   # share of clips that must be exactly right
MIN_DENSITY_RANK_CORR = 0.5
MIN_GENRE_RATIO = 0.8          # generated genre recognition / real genre recognition
MIN_KEY_RATIO = 0.8            # generated key accuracy / real clips' (the ceiling)
MAX_COPY_MARGIN = 0.05         # copy rate over held-out real music's
# as served, the masks hold both the model and Markov near the ceiling of a following measure (the
# bass lands on the root at every downbeat): a gap under one note in 200 there is noise, and a
# model below Markov but nearer the real lines is no worse (real basses hold the root over a bar
# line, which the measure counts as a miss); without masks the model must beat Markov outright
SERVED_FOLLOWING_TOLERANCE = 0.005


def gate(results: dict) -> tuple[bool, list[str]]:
    """(passed, why not: one sentence per failure)."""
    why = [*_realism(results), *_controls(results), *_chord_following(results), *_originality(results),
           *_role_limits(results), *failures(results.get("checks", []))]
    return not why, why


def _role_limits(results: dict) -> list[str]:
    """The limits a role sets for itself (`gate_limits`; drums): realism no worse than the
    previous checkpoint's, loop repetition of the programmed genres, genre pairs told apart (a
    stricter genre ratio is applied by `_controls`)."""
    limits, why = results.get("gate_limits") or {}, []
    auc = results["realism"]["model"]["c2st_auc"]
    previous = results["realism"].get("previous")
    if limits.get("no_worse_than_previous") and previous and auc > previous["c2st_auc"]:
        why.append(f"realism: C2ST AUC {auc:.3f}{which_classifier(results['realism']['model'])} worse than "
                   f"the previous checkpoint's {previous['c2st_auc']:.3f}")
    programmed = results.get("programmed") or {}
    for genre, row in programmed.get("by_genre", {}).items():
        rep = row["model"]["loop_repetition"]
        if "min_loop_repetition" in limits and not (rep or 0) >= limits["min_loop_repetition"]:
            why.append(f"structure: {genre} loop repetition {rep:.2f} < {limits['min_loop_repetition']}")
    for pair, auc in programmed.get("pairs", {}).items():
        if "min_pair_auc" in limits and not auc >= limits["min_pair_auc"]:
            why.append(f"genres: {pair} told apart with AUC {auc:.3f} < {limits['min_pair_auc']}")
    return why


def _realism(results: dict) -> list[str]:
    """`c2st_auc` is the harder classifier's where the role reports several (drums: linear and
    boosting), so a model must fool both."""
    r = results["realism"]
    if r["model"]["c2st_auc"] < r["markov"]["c2st_auc"]:
        return []
    return [f"realism: C2ST AUC {r['model']['c2st_auc']:.3f}{which_classifier(r['model'])} does not beat "
            f"Markov's {r['markov']['c2st_auc']:.3f}{which_classifier(r['markov'])}"]


def which_classifier(system: dict) -> str:
    return f" ({system['c2st_classifier']})" if "c2st_classifier" in system else ""


def _controls(results: dict) -> list[str]:
    c, why = results["controls"]["model"], []
    for k in REQUIRED_EXACT:
        if c.get(k) is not None and c[k] < 1.0:
            why.append(f"control {k}: {c[k]:.1%} of clips right, 100% required")
    if c.get("density_rank_corr") is not None and not c["density_rank_corr"] >= MIN_DENSITY_RANK_CORR:
        why.append(f"control density: rank correlation {c['density_rank_corr']:.2f} < "
                   f"{MIN_DENSITY_RANK_CORR}")
    ratio = results["genre_ratio"]
    least = (results.get("gate_limits") or {}).get("min_genre_ratio", MIN_GENRE_RATIO)
    if not np.isnan(ratio) and not ratio >= least:
        why.append(f"control genre: recognised {ratio:.2f} times as often as real, "
                   f"{least} required")
    ceiling = results.get("real_key_accuracy", float("nan"))
    if not np.isnan(ceiling) and not c["key"] >= MIN_KEY_RATIO * ceiling:
        why.append(f"control key: {c['key']:.2f} of clips in the requested key, real clips reach "
                   f"{ceiling:.2f}; {MIN_KEY_RATIO} of that required")
    return why


def _chord_following(results: dict) -> list[str]:
    follow, why = results.get("chord_following") or {}, []
    real = follow.get("real_a", {})
    for measure, value in follow.get("model", {}).items():   # as served: masks on
        markov = follow["markov"][measure]
        nearer_real = measure in real and abs(value - real[measure]) < abs(markov - real[measure])
        if value < markov - SERVED_FOLLOWING_TOLERANCE and not nearer_real:
            why.append(f"chord following: {measure} {value:.3f} below Markov's "
                       f"{follow['markov'][measure]:.3f}")
    for measure, value in follow.get("model_unconstrained", {}).items():   # what each learned
        if not value > follow["markov_unconstrained"][measure]:
            why.append(f"chord following without masks: {measure} {value:.3f} does not beat "
                       f"Markov's {follow['markov_unconstrained'][measure]:.3f}")
    return why


def _originality(results: dict) -> list[str]:
    copy, held = results["copy_rates"]["model"], results["copy_rates"]["real_b"]
    if copy <= held + MAX_COPY_MARGIN:
        return []
    return [f"originality: copy rate {copy:.3f} > held-out {held:.3f} + {MAX_COPY_MARGIN}"]
