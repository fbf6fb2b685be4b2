"""The originality index a checkpoint ships with (see `beatengine.originality`): the training
split's pieces indexed, its copy thresholds calibrated on the validation split's."""

from collections.abc import Callable

import numpy as np

from beatengine.originality import CopyIndex

# A part copies when more of its windows are found in the training set than held-out real music
# shows, by this margin (the evaluation's copy rule, applied to one part).
COPY_MARGIN = 0.05


def split_index(items: list, pieces: Callable[[list], dict[str, np.ndarray]]) -> CopyIndex:
    """Index the pieces (hashes per song or performance) of the items whose `split` is "train",
    with the held-out copy rate measured on the "validation" ones."""
    index = CopyIndex.build(pieces([x for x in items if x.split == "train"]).values())
    held = list(pieces([x for x in items if x.split == "validation"]).values())
    return index.calibrate(held, COPY_MARGIN)


def index_summary(index: CopyIndex) -> dict:
    """What the manifest keeps of an index."""
    return {"windows": len(index.hashes), "held_out_copy_rate": round(index.held_out_copy_rate, 5),
            "max_copy_share": round(index.max_copy_share, 5)}
