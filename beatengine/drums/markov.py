"""An order-2 Markov baseline over the same step representation as the drum model.

P(token | genre, two previous tokens, position) with Witten-Bell interpolation down to
P(token | genre, previous token, position), P(token | genre, position), P(token | position) and an
add-one unigram. Velocities are
drawn from the training velocities of each genre and piece. It is the yardstick the model must beat.
"""

from collections import Counter, defaultdict

import numpy as np

from beatengine.drums import vocab as V


class MarkovDrums:
    def __init__(self) -> None:
        self.levels: list[dict[tuple, Counter]] = [defaultdict(Counter) for _ in range(4)]
        self.unigram = np.ones(V.NUM_PATTERNS)
        self.velocities: dict[tuple[int, int], np.ndarray] = {}

    @staticmethod
    def _contexts(genre: int, p2: int, p1: int, pos: int) -> tuple[tuple, ...]:
        """Most specific first."""
        return (genre, p2, p1, pos), (genre, p1, pos), (genre, pos), (pos,)

    def fit(self, inp: np.ndarray, tgt: np.ndarray, pos: np.ndarray, genre: np.ndarray,
            vel: np.ndarray) -> "MarkovDrums":
        """Arrays as in `training.data_pipeline.DrumArrays` (inp starts with BOS)."""
        for i in range(len(tgt)):
            g = int(genre[i])
            p2 = V.BOS
            for t in range(tgt.shape[1]):
                w = int(tgt[i, t])
                if w < 0:
                    break
                for level, ctx in zip(self.levels, self._contexts(g, p2, int(inp[i, t]),
                                                                  int(pos[i, t])), strict=True):
                    level[ctx][w] += 1
                self.unigram[w] += 1
                p2 = int(inp[i, t])
        self.unigram /= self.unigram.sum()
        piece_vel: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i in range(len(tgt)):
            steps, pieces = np.nonzero(vel[i] >= 0)
            for p, b in zip(pieces, vel[i][steps, pieces], strict=True):
                piece_vel[(int(genre[i]), int(p))].append(int(b))
        self.velocities = {k: np.array(v) for k, v in piece_vel.items()}
        return self

    def distribution(self, genre: int, p2: int, p1: int, pos: int) -> np.ndarray:
        """Interpolated P(token | context) over all patterns."""
        prob = self.unigram
        for level, ctx in reversed(list(zip(self.levels, self._contexts(genre, p2, p1, pos),
                                            strict=True))):
            counts = level.get(ctx)
            if not counts:
                continue
            n, types = sum(counts.values()), len(counts)
            ml = np.zeros(V.NUM_PATTERNS)
            ml[list(counts)] = list(counts.values())
            lam = n / (n + types)
            prob = lam * ml / n + (1 - lam) * prob
        return prob

    def nll(self, inp: np.ndarray, tgt: np.ndarray, pos: np.ndarray, genre: np.ndarray) -> float:
        """Mean negative log-likelihood (nats per step) of the target tokens."""
        total, count = 0.0, 0
        for i in range(len(tgt)):
            p2 = V.BOS
            for t in range(tgt.shape[1]):
                w = int(tgt[i, t])
                if w < 0:
                    break
                total -= np.log(self.distribution(int(genre[i]), p2, int(inp[i, t]),
                                                  int(pos[i, t]))[w])
                count += 1
                p2 = int(inp[i, t])
        return total / max(count, 1)

    def sample(self, genre: int, positions: np.ndarray, rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray]:
        """(T,) tokens and (T, P) velocity bins for one clip."""
        tokens = np.zeros(len(positions), np.int64)
        p2 = p1 = V.BOS
        for t, pos in enumerate(positions):
            tokens[t] = rng.choice(V.NUM_PATTERNS, p=self.distribution(genre, p2, p1, int(pos)))
            p2, p1 = p1, int(tokens[t])
        vel = np.full((len(positions), V.NUM_PIECES), 11)
        for p in range(V.NUM_PIECES):
            pool = self.velocities.get((genre, p))
            if pool is not None and len(pool):
                vel[:, p] = rng.choice(pool, size=len(positions))
        return tokens, vel
