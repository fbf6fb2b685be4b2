"""The originality guard: an index of the training set's passages and a copy test for new parts.

A part is cut into overlapping windows (for drums: 4 bars of the onset grid, hop 1 bar; for pitched
parts: transposition-invariant n-grams of intervals and onset gaps). Each window is hashed to 64 bits;
the training set's hashes are kept sorted, so checking a part is a binary search per window. A
part's *copy share* is the fraction of its windows found in the index.

Windows that many different training pieces share are idioms (a plain four-on-the-floor bar, a
straight rock beat), not anybody's work: the index keeps only windows found in fewer than
`idiom_sources` distinct pieces.
"""

import hashlib
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

INDEX_FILE = "originality.npz"
# A part the guard finds copied is drawn again, at most this many times.
MAX_RESAMPLES = 3


def window_hashes(rows: np.ndarray, window: int, hop: int) -> np.ndarray:
    """64-bit hashes of `rows[s:s + window]` for s = 0, hop, 2*hop, ... (whole windows only).
    `rows` is any (T, ...) array; windows compare equal exactly when their rows are equal."""
    data = np.ascontiguousarray(rows)
    if len(data) < window:
        return np.zeros(0, np.uint64)
    starts = range(0, len(data) - window + 1, hop)
    return np.array([int.from_bytes(hashlib.blake2b(data[s:s + window].tobytes(),
                                                    digest_size=8).digest(), "little")
                     for s in starts], dtype=np.uint64)


@dataclass
class CopyIndex:
    """Sorted window hashes of a training set and the per-part copy threshold."""

    hashes: np.ndarray           # (N,) uint64, sorted, unique
    max_copy_share: float        # a part whose copy share exceeds this is a copy
    held_out_copy_rate: float    # share of held-out real windows found in the index (reference)

    @classmethod
    def build(cls, pieces: Iterable[np.ndarray], idiom_sources: int = 3,
              max_copy_share: float = 0.5) -> "CopyIndex":
        """`pieces`: the window hashes of each distinct training piece (song, performance)."""
        seen_in: dict[int, int] = defaultdict(int)
        for h in pieces:
            for x in np.unique(h):
                seen_in[int(x)] += 1
        kept = [h for h, n in seen_in.items() if n < idiom_sources]
        return cls(np.array(sorted(kept), dtype=np.uint64), max_copy_share, 0.0)

    def calibrate(self, held_out: list[np.ndarray], margin: float) -> "CopyIndex":
        """Set the thresholds from held-out real pieces (never indexed): the share of their windows
        found (`held_out_copy_rate`), and the per-part limit: that rate plus `margin`, or what the
        95th percentile of held-out pieces shows when real music is that repetitive (a root-fifth
        rock bass shares many n-grams with other songs without copying any)."""
        held_out = [h for h in held_out if len(h)]
        if held_out:
            self.held_out_copy_rate = float(self.found(np.concatenate(held_out)).mean())
            per_piece = [float(self.found(h).mean()) for h in held_out]
            self.max_copy_share = max(self.held_out_copy_rate + margin,
                                      float(np.quantile(per_piece, 0.95)))
        else:
            self.max_copy_share = margin
        return self

    def found(self, hashes: np.ndarray) -> np.ndarray:
        """(W,) bool: which windows occur in the index."""
        if len(self.hashes) == 0 or len(hashes) == 0:
            return np.zeros(len(hashes), bool)
        i = np.minimum(np.searchsorted(self.hashes, hashes), len(self.hashes) - 1)
        return self.hashes[i] == hashes

    def copy_share(self, hashes: np.ndarray) -> float:
        return float(self.found(hashes).mean()) if len(hashes) else 0.0

    def is_copy(self, hashes: np.ndarray) -> bool:
        return self.copy_share(hashes) > self.max_copy_share

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez_compressed(buf, hashes=self.hashes,
                            thresholds=np.array([self.max_copy_share, self.held_out_copy_rate]))
        return buf.getvalue()

    @classmethod
    def load(cls, path: Path) -> "CopyIndex":
        with np.load(path, allow_pickle=False) as z:
            max_share, held_out = (float(x) for x in z["thresholds"])
            return cls(z["hashes"].astype(np.uint64), max_share, held_out)


@dataclass
class Originality:
    """What the guard found for one generated part."""

    windows: int          # windows checked
    copied_windows: int   # of those, found in the training index
    resampled: int        # times the part was drawn again because it copied

    @property
    def score(self) -> float:
        """1.0 = no window found in the training set."""
        return 1.0 - self.copied_windows / self.windows if self.windows else 1.0

    def as_dict(self) -> dict:
        return {"score": round(self.score, 4), "windows": self.windows,
                "copied_windows": self.copied_windows, "resampled": self.resampled}


def interval_ngram_hashes(pitches: np.ndarray, onsets: np.ndarray, n: int = 8) -> np.ndarray:
    """Transposition-invariant n-grams of a line of notes (pitched roles): each n-gram is the n - 1
    (interval, onset gap) pairs between n consecutive notes, so a copy moved to another key or
    started on another beat hashes the same. `onsets` in grid steps (integers)."""
    steps = np.stack([np.diff(np.asarray(pitches)), np.diff(np.asarray(onsets))], axis=1)
    return window_hashes(steps.astype(np.int16), n - 1, 1)


def resample_copies(items: list, check: Callable[[Any], tuple[int, int]],
                    redraw: Callable[[int], list], max_share: float,
                    max_resamples: int = MAX_RESAMPLES
                    ) -> tuple[list, list[Originality]]:
    """The guard every generator runs: `check(item)` gives (windows, windows found in the index);
    an item whose found share exceeds `max_share` is replaced by a fresh draw (`redraw(k)` makes
    k), up to `max_resamples` times, keeping the least copied draw. Returns the items and their
    originality figures."""
    items = list(items)
    found = [check(x) for x in items]
    resampled = [0] * len(items)
    for _ in range(max_resamples):
        flagged = [b for b, (w, c) in enumerate(found) if w and c / w > max_share]
        if not flagged:
            break
        again = redraw(len(flagged))
        for k, b in enumerate(flagged):
            resampled[b] += 1
            if (new := check(again[k]))[1] < found[b][1]:
                items[b], found[b] = again[k], new
    return items, [Originality(w, c, r) for (w, c), r in zip(found, resampled, strict=True)]
