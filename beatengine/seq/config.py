"""Configuration of a step-sequence model; saved as JSON beside the weights in every checkpoint."""

import json
from dataclasses import asdict, dataclass, field

from beatengine.genres import GENRE_NAMES
from beatengine.theory import MODES


@dataclass(frozen=True)
class SeqSpec:
    """What a role's vocabulary fixes about its model; a checkpoint must match it to be used."""
    vocab_size: int
    num_positions: int
    step_features: int
    seq_features: int
    vocab_version: int


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
    # per genre, logit offsets that bring the decoded rhythm to the training lines'
    # (`training.roles.lines.calibrate`): "steps", (16, 3) of rest, hold and onset per 16th of a
    # 4/4 bar; "hold_by_age", (4,) of holding a note on by its age in 16ths (its length)
    rhythm_calibration: dict[str, dict[str, list]] = field(default_factory=dict)

    @classmethod
    def for_spec(cls, role: str, spec: SeqSpec, **model) -> "SeqModelConfig":
        """A config for a role's vocabulary, with the given model sizes."""
        return cls(role=role, vocab_size=spec.vocab_size, num_positions=spec.num_positions,
                   step_features=spec.step_features, seq_features=spec.seq_features,
                   vocab_version=spec.vocab_version, **model)

    def check_compatible(self, spec: SeqSpec) -> None:
        """Raise ValueError if the checkpoint was trained for another vocabulary than `spec`."""
        mine = (self.vocab_size, self.num_positions, self.step_features, self.seq_features,
                self.vocab_version)
        theirs = (spec.vocab_size, spec.num_positions, spec.step_features, spec.seq_features,
                  spec.vocab_version)
        if mine != theirs:
            raise ValueError(f"{self.role} checkpoint vocabulary v{self.vocab_version} "
                             f"{mine} does not match this engine's v{spec.vocab_version} {theirs}")

    @property
    def bos(self) -> int:
        return self.vocab_size

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "SeqModelConfig":
        data = json.loads(text)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
