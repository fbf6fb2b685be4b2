"""torch.nn.GRU's forward step in numpy, for CPU inference without torch."""

import numpy as np


class NumpyGRU:
    """The stacked GRU of a state dict (`<prefix>.weight_ih_l{i}` ...), one step at a time.

    The r and z gate rows are pre-scaled by 0.5 so that sigmoid(x) = 0.5 + 0.5 * tanh(x'), which
    lets one tanh serve both gates."""

    def __init__(self, w: dict[str, np.ndarray], layers: int, hidden: int, prefix: str = "gru"):
        self.layers, self.h = layers, hidden
        scale = np.ones(3 * hidden, np.float32)
        scale[:2 * hidden] = 0.5
        f32 = {k: np.asarray(v, np.float32) for k, v in w.items() if k.startswith(prefix + ".")}
        self.w_ih_t = [np.ascontiguousarray(f32[f"{prefix}.weight_ih_l{i}"].T * scale)
                       for i in range(layers)]
        self.w_hh_t = [np.ascontiguousarray(f32[f"{prefix}.weight_hh_l{i}"].T * scale)
                       for i in range(layers)]
        self.b_ih = [f32[f"{prefix}.bias_ih_l{i}"] * scale for i in range(layers)]
        self.b_hh = [f32[f"{prefix}.bias_hh_l{i}"] * scale for i in range(layers)]

    def step(self, layer: int, gi: np.ndarray, h: np.ndarray) -> np.ndarray:
        """One cell: r, z = sigmoid(..), n = tanh(x_n + r * h_n), h' = (1-z) n + z h.
        `gi` (B, 3H) is the layer's input projection, bias included; returns the new (B, H)."""
        H = self.h
        gh = h @ self.w_hh_t[layer]                                          # (B, 3H)
        gh += self.b_hh[layer]
        rz = np.tanh(gi[:, :2 * H] + gh[:, :2 * H])                          # (B, 2H), scaled
        rz += 1.0
        rz *= 0.5                                                            # sigmoid
        n = gh[:, 2 * H:]
        n *= rz[:, :H]
        n += gi[:, 2 * H:]
        np.tanh(n, out=n)
        h = h - n
        h *= rz[:, H:]
        h += n
        return h                                                             # n + z (h - n)

    def upper(self, layer: int, h_below: np.ndarray, h: np.ndarray) -> np.ndarray:
        """Step of a layer above the first: its input is the layer below's new state."""
        return self.step(layer, h_below @ self.w_ih_t[layer] + self.b_ih[layer], h)
