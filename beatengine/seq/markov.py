"""An order-2 Markov baseline over a step-sequence vocabulary: P(token | genre, two previous tokens,
position), Witten-Bell interpolated down to P(token | position) and an add-one unigram. It sees no
chords, kicks or other per-step features: what the model gains over it is what it learned from them.
"""

from collections import Counter, defaultdict

import numpy as np

from beatengine.sampling import gumbel, sample


class MarkovSeq:
    def __init__(self, vocab_size: int) -> None:
        self.v = vocab_size
        self.bos = vocab_size
        self.levels: list[dict[tuple, Counter]] = [defaultdict(Counter) for _ in range(4)]
        self.unigram = np.ones(vocab_size)

    @staticmethod
    def _contexts(genre: int, p2: int, p1: int, pos: int) -> tuple[tuple, ...]:
        return (genre, p2, p1, pos), (genre, p1, pos), (genre, pos), (pos,)

    def fit(self, tgt: np.ndarray, pos: np.ndarray, genre: np.ndarray) -> "MarkovSeq":
        """tgt, pos: (N, L) with -1 padding in tgt; genre: (N,)."""
        for i in range(len(tgt)):
            p2 = p1 = self.bos
            g = int(genre[i])
            for t in range(tgt.shape[1]):
                w = int(tgt[i, t])
                if w < 0:
                    break
                for level, ctx in zip(self.levels, self._contexts(g, p2, p1, int(pos[i, t])),
                                      strict=True):
                    level[ctx][w] += 1
                self.unigram[w] += 1
                p2, p1 = p1, w
        self.unigram /= self.unigram.sum()
        return self

    def distribution(self, genre: int, p2: int, p1: int, pos: int) -> np.ndarray:
        prob = self.unigram
        for level, ctx in reversed(list(zip(self.levels, self._contexts(genre, p2, p1, pos),
                                            strict=True))):
            counts = level.get(ctx)
            if not counts:
                continue
            n, types = sum(counts.values()), len(counts)
            ml = np.zeros(self.v)
            ml[list(counts)] = list(counts.values())
            lam = n / (n + types)
            prob = lam * ml / n + (1 - lam) * prob
        return prob

    def nll(self, tgt: np.ndarray, pos: np.ndarray, genre: np.ndarray) -> float:
        total, count = 0.0, 0
        for i in range(len(tgt)):
            p2 = p1 = self.bos
            for t in range(tgt.shape[1]):
                w = int(tgt[i, t])
                if w < 0:
                    break
                total -= np.log(self.distribution(int(genre[i]), p2, p1, int(pos[i, t]))[w])
                count += 1
                p2, p1 = p1, w
        return total / max(count, 1)

    def sample(self, genre: int, positions: np.ndarray, rng: np.random.Generator,
               temperature: float = 1.0, bias: np.ndarray | None = None,
               step_bias: np.ndarray | None = None, hook=None) -> np.ndarray:
        """(T,) tokens, under the same logit biases and hook the model's decoder takes."""
        tokens = np.zeros(len(positions), np.int64)
        p2 = p1 = self.bos
        noise = gumbel(rng, (len(positions), 1, self.v))
        for t, pos in enumerate(positions):
            logits = np.log(self.distribution(genre, p2, p1, int(pos)) + 1e-12).astype(np.float32)
            if bias is not None:
                logits = logits + bias
            if step_bias is not None:
                logits = logits + step_bias[t]
            if hook is not None and (extra := hook(t, tokens[None, :t])) is not None:
                logits = logits + extra[0]
            tokens[t] = int(sample(logits[None], noise[t], temperature)[0])
            p2, p1 = p1, int(tokens[t])
        return tokens
