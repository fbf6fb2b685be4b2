"""Role-independent evaluation measures on per-clip feature arrays (numpy and scikit-learn).

- `overlap_area`: MGEval-style overlapping area of two feature distributions, each a Gaussian
  kernel density on one shared grid (1.0 = the same distribution);
- `bootstrap_ci`: a percentile bootstrap interval for any statistic of (real, generated);
- `c2st_auc`: the classifier two-sample test, cross-validated ROC AUC of a classifier telling real
  clips from generated ones (0.5 = indistinguishable, 1.0 = always told apart): a logistic regression
  (`linear`) or gradient-boosted trees (`boosting`, which also sees interactions and thresholds);
- `recognition_rate`: how often a classifier trained on the training split names the label.
"""

from collections.abc import Callable

import numpy as np
from scipy.stats import spearmanr
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

GRID_POINTS = 256


def kde(x: np.ndarray, grid: np.ndarray, bandwidth: float) -> np.ndarray:
    """Gaussian kernel density of samples `x` on `grid`, normalised to integrate to 1."""
    d = np.exp(-0.5 * ((grid[:, None] - x[None, :]) / bandwidth) ** 2).sum(axis=1)
    return d / (d.sum() * (grid[1] - grid[0]))


def overlap_area(real: np.ndarray, gen: np.ndarray) -> float:
    """Area under min(p_real, p_gen) for one scalar feature, both densities on a shared grid.
    The bandwidth is Scott's rule on the pooled samples, with a floor of 1% of their range so
    integer-valued features (hits per bar) do not become spikes that never overlap."""
    real, gen = np.asarray(real, float), np.asarray(gen, float)
    if len(real) == 0 or len(gen) == 0:
        return 0.0
    pooled = np.concatenate([real, gen])
    lo, hi = pooled.min(), pooled.max()
    span = hi - lo
    if span == 0:
        return 1.0
    bw = max(1.06 * pooled.std() * len(pooled) ** -0.2, 0.01 * span)
    grid = np.linspace(lo - 3 * bw, hi + 3 * bw, GRID_POINTS)
    return float(np.minimum(kde(real, grid, bw), kde(gen, grid, bw)).sum() * (grid[1] - grid[0]))


def mean_overlap(real: np.ndarray, gen: np.ndarray) -> float:
    """Mean overlapping area over the columns of two (N, F) feature arrays."""
    return float(np.mean([overlap_area(real[:, f], gen[:, f]) for f in range(real.shape[1])]))


def bootstrap_ci(stat: Callable[[np.ndarray, np.ndarray], float], real: np.ndarray,
                 gen: np.ndarray, n: int = 200, seed: int = 0, level: float = 0.95
                 ) -> tuple[float, float]:
    """Percentile interval of `stat` over `n` resamplings (with replacement) of both sets."""
    rng = np.random.default_rng(seed)
    values = [stat(real[rng.integers(0, len(real), len(real))],
                   gen[rng.integers(0, len(gen), len(gen))]) for _ in range(n)]
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return float(lo), float(hi)


def _classifier(seed: int) -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000,
                                                              random_state=seed))


def _boosting(seed: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(random_state=seed)


C2ST_CLASSIFIERS: dict[str, Callable[[int], Pipeline | HistGradientBoostingClassifier]] = {
    "linear": _classifier, "boosting": _boosting}


def c2st_auc(real: np.ndarray, gen: np.ndarray, groups_real: list, groups_gen: list,
             folds: int = 5, seed: int = 0, classifier: str = "linear") -> float:
    """Cross-validated AUC of telling real (N, F) from generated (M, F) feature vectors. Both sets
    are cut to the same size first, so the AUC is not about class balance. Folds keep each group
    (a source file, and the clips generated under its conditions) on one side, so the classifier
    cannot win by recognising a performance it saw in training. `classifier` names one of
    `C2ST_CLASSIFIERS`."""
    make = C2ST_CLASSIFIERS[classifier]
    rng = np.random.default_rng(seed)
    n = min(len(real), len(gen))
    if n < folds:
        return float("nan")
    ia, ib = rng.permutation(len(real))[:n], rng.permutation(len(gen))[:n]
    x = np.concatenate([real[ia], gen[ib]])
    y = np.r_[np.zeros(n), np.ones(n)]
    groups = np.concatenate([np.asarray(groups_real, dtype=object)[ia],
                             np.asarray(groups_gen, dtype=object)[ib]]).astype(str)
    scores = np.zeros(2 * n)
    cv = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
    # one OpenMP thread: the boosted trees' threads spin while they wait, and on a busy 2-core
    # machine a 2-thread fit of a few hundred clips took 10 s against 0.8 s with one
    with threadpool_limits(limits=1, user_api="openmp"):
        for train, test in cv.split(x, y, groups):
            clf = make(seed).fit(x[train], y[train])
            scores[test] = clf.predict_proba(x[test])[:, 1]
    return float(roc_auc_score(y, scores))


def fit_label_classifier(x: np.ndarray, labels: list[str], seed: int = 0) -> Pipeline:
    """A multinomial logistic regression over feature vectors (e.g. genre from groove features)."""
    return _classifier(seed).fit(x, np.asarray(labels))


def recognition_rate(clf: Pipeline, x: np.ndarray, labels: list[str]) -> float:
    """Share of rows the classifier assigns to their own label."""
    if len(x) == 0:
        return float("nan")
    return float(np.mean(clf.predict(x) == np.asarray(labels)))


def rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho (nan when either side is constant)."""
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(spearmanr(x, y).statistic)
