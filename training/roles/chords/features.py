"""Features of a progression, for the evaluation (numpy only): chord changes per bar, distinct
chords, diatonic share, richness; histograms of root motion and chord classes."""

import numpy as np

from beatengine.roles.chords import vocab as CV
from beatengine.roles.chords.progression import Span
from beatengine.theory import Key
from training.roles.lines.features import histogram

CHORD_SCALARS = ("changes_per_bar", "distinct_chords", "diatonic_share", "richness")
CLASS_GROUPS = ("", "m", "dim", "aug", "sus", "6", "7", "maj7", "m7", "9")


def _group(cls: str) -> int:
    if cls.startswith("sus") or cls == "7sus4":
        return CLASS_GROUPS.index("sus")
    if cls in ("m6",):
        return CLASS_GROUPS.index("6")
    if cls in ("m7b5", "dim7"):
        return CLASS_GROUPS.index("dim")
    if cls in ("add9", "9", "maj9", "m9"):
        return CLASS_GROUPS.index("9")
    return CLASS_GROUPS.index(cls)


def progression_features(spans: list[Span], key: Key, bars: int) -> np.ndarray:
    """Scalars (CHORD_SCALARS) then histograms of root motion between changes (12) and chord
    class groups (10)."""
    chords = [s.chord for s in spans]
    changes = [c for i, c in enumerate(chords) if i == 0 or c != chords[i - 1]]
    scale = set(key.scale)
    classes = [CV.QUALITY_TO_CLASS.get(c.quality, "") for c in changes]
    motion = [(b.root - a.root) % 12 for a, b in zip(changes, changes[1:], strict=False)]
    k = max(len(changes), 1)
    scalars = [len(changes) / bars, len({(c.root, c.quality) for c in changes}),
               sum(c.pitch_classes <= scale for c in changes) / k,
               sum(CV.LEVEL[CV.CLASS_INDEX[q]] >= 1 for q in classes) / k]
    return np.concatenate([scalars, histogram(motion, 12), histogram([_group(q) for q in classes], 10)])


def progression_feature_names() -> list[str]:
    return [*CHORD_SCALARS, *(f"root_motion_{i}" for i in range(12)),
            *(f"class_{g or 'maj'}" for g in CLASS_GROUPS)]
