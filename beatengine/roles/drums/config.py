"""The drum model's configuration; saved as JSON beside the weights in every checkpoint."""

import json
from dataclasses import asdict, dataclass, field

from beatengine.genres import GENRE_NAMES
from beatengine.roles.drums import vocab as V

VOCAB_VERSION = 1  # bump when the meaning of tokens, positions or bins changes


@dataclass
class DrumModelConfig:
    hidden: int = 192          # GRU width
    layers: int = 2            # GRU layers
    emb: int = 96              # token / position / condition embedding width
    detail: int = 64           # width of the per-hit velocity/offset head
    dropout: float = 0.1
    genres: list[str] = field(default_factory=lambda: list(GENRE_NAMES))
    tempo_mean: float = 120.0
    tempo_std: float = 35.0
    vocab_version: int = VOCAB_VERSION
    num_pieces: int = V.NUM_PIECES
    num_positions: int = V.NUM_POSITIONS
    # per genre, hits-per-bar quantiles (0..100% in 5% steps) of the training data: what the
    # `density` control (a within-genre percentile) means in hits per bar for this checkpoint
    density_quantiles: dict[str, list[float]] = field(default_factory=dict)
    # pattern tokens seen in the training data; decoding samples only these (a drum kit plays
    # ~200 of the 1024 piece combinations), which keeps the output head small and fast.
    # Empty = all tokens.
    active_tokens: list[int] = field(default_factory=list)
    # per genre learned from drummers, the `variety` (beatengine.roles.drums.loop) whose generated
    # parts hold their skeleton as the training split's drummers do; set by training
    variety: dict[str, float] = field(default_factory=dict)
    # per genre, the touch (group velocities and spread) of training takes, one borrowed per
    # generated take (beatengine.roles.drums.touch); empty = the model's own velocities
    touch: dict[str, list[list[float | None]]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "DrumModelConfig":
        data = json.loads(text)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def check_compatible(self) -> None:
        """Raise ValueError if a checkpoint was trained for another vocabulary."""
        if (self.vocab_version, self.num_pieces, self.num_positions) != (
                VOCAB_VERSION, V.NUM_PIECES, V.NUM_POSITIONS):
            raise ValueError(f"checkpoint vocabulary v{self.vocab_version} does not match "
                             f"this engine's v{VOCAB_VERSION}")
