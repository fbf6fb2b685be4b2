"""Configuration of a step-sequence model; saved as JSON beside the weights in every checkpoint."""

import json
from dataclasses import asdict, dataclass, field

from beatengine.genres import GENRE_NAMES
from beatengine.theory import MODES


@dataclass
class SeqModelConfig:
    role: str                      # "chords" | "bass" | "melody"
    vocab_size: int                # output tokens (the input vocabulary adds BOS = vocab_size)
    num_positions: int             # position ids (step in bar, bar in phrase, metre)
    step_features: int             # per-step condition features (chord tones, kick, ...)
    seq_features: int = 1          # per-sequence scalar conditions (density, ...)
    hidden: int = 128              # GRU width
    layers: int = 2
    emb: int = 64                  # token / position / condition embedding width
    dropout: float = 0.1
    genres: list[str] = field(default_factory=lambda: [*GENRE_NAMES, "unknown"])
    modes: list[str] = field(default_factory=lambda: list(MODES))
    vocab_version: int = 1         # the role's token layout version (see its vocab module)
    # genres the training data had; others are decoded as "unknown"
    trained_genres: list[str] = field(default_factory=list)
    # per genre, note-density quantiles of the training data (what `density` means)
    density_quantiles: dict[str, list[float]] = field(default_factory=dict)

    @property
    def bos(self) -> int:
        return self.vocab_size

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "SeqModelConfig":
        data = json.loads(text)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
