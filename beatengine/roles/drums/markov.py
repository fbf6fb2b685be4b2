"""The drums' order-2 Markov baseline: `beatengine.seq.markov.MarkovSeq` over the pattern tokens
(P(token | genre, two previous tokens, position), Witten-Bell interpolated), plus velocities drawn
from the training velocities of each genre and piece. It is the yardstick the model must beat.
"""

from collections import defaultdict

import numpy as np

from beatengine.roles.drums import vocab as V
from beatengine.seq.markov import MarkovSeq


class MarkovDrums(MarkovSeq):
    def __init__(self) -> None:
        super().__init__(V.NUM_PATTERNS)          # its BOS is V.BOS
        self.velocities: dict[tuple[int, int], np.ndarray] = {}

    def fit(self, inp: np.ndarray, tgt: np.ndarray, pos: np.ndarray, genre: np.ndarray,
            vel: np.ndarray) -> "MarkovDrums":
        """Arrays as in `training.roles.drums.data.DrumArrays` (`inp` is `tgt` shifted, so unused)."""
        super().fit(tgt, pos, genre)
        piece_vel: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i in range(len(tgt)):
            steps, pieces = np.nonzero(vel[i] >= 0)
            for p, b in zip(pieces, vel[i][steps, pieces], strict=True):
                piece_vel[(int(genre[i]), int(p))].append(int(b))
        self.velocities = {k: np.array(v) for k, v in piece_vel.items()}
        return self

    def nll(self, inp: np.ndarray, tgt: np.ndarray, pos: np.ndarray, genre: np.ndarray) -> float:
        return super().nll(tgt, pos, genre)

    def sample(self, genre: int, positions: np.ndarray, rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray]:
        """(T,) tokens and (T, P) velocity bins for one clip."""
        tokens = super().sample(genre, positions, rng)
        vel = np.full((len(positions), V.NUM_PIECES), 11)
        for p in range(V.NUM_PIECES):
            pool = self.velocities.get((genre, p))
            if pool is not None and len(pool):
                vel[:, p] = rng.choice(pool, size=len(positions))
        return tokens, vel
