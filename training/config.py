"""The training config (`training/configs/*.json`) as typed sections with their defaults in one place.

A key no section knows is an error that names it (a typo must not silently train with a default),
and a config written back with `to_json` reads back as the same config. Each checkpoint's manifest
keeps its role's section as trained (`training_config`), defaults filled in.

    {"model_dir": "models", "roles": ["drums", ...], "evaluation": {...},
     "drums": {"data": {...}, "model": {...}, "train": {...}},
     "chords" | "bassline" | "melody": {"data": {...}, "model": {...}, "train": {...}},
     "harmony": {"data": {...}}}      # optional: what `python -m training.harmony_data` reads
"""

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from beatengine.roles.drums.config import DrumModelConfig
from beatengine.seq.config import SeqModelConfig

DEFAULT_CONFIG = "training/configs/local.json"


class ConfigError(ValueError):
    """A training config that cannot be read: the message names the file, the key and the fault."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DrumData(Section):
    """Where drum material comes from (`training.roles.drums.data`)."""
    gmd_dir: str | None = None                 # the Groove MIDI Dataset (with its info.csv)
    user_dir: str = "training/data/drums"      # <genre>/*.mid dropped in by a user
    event_log: str | None = None               # the service's SQLite file or a Postgres URL
    rule_examples_per_genre: int = 0           # style-rule grooves added per rule genre
    seed: int = 0


class HarmonyData(Section):
    """Where chords, bassline and melody material comes from (`training.sources.harmony`)."""
    billboard_dir: str | None = None
    pop909_dir: str | None = None
    fmc_csv: str | None = None                 # free-midi-chords progressions.csv
    max_songs: int | None = None               # cap per source
    event_log: str | None = None
    rule_songs_per_genre: int = 0              # genre-rule basslines per bass rule genre
    seed: int = 0


# the public datasets where `../shared/datasets` keeps them
DEFAULT_HARMONY_DATA = HarmonyData(billboard_dir="../shared/datasets/billboard",
                                   pop909_dir="../shared/datasets/pop909",
                                   fmc_csv="../shared/datasets/free-midi-chords/progressions.csv")


class DrumModel(Section):
    """Sizes of the drum model (the rest of `DrumModelConfig` comes from the data)."""
    hidden: int = DrumModelConfig.hidden
    layers: int = DrumModelConfig.layers
    emb: int = DrumModelConfig.emb
    detail: int = DrumModelConfig.detail
    dropout: float = DrumModelConfig.dropout


class SeqModel(Section):
    """Sizes of a step-sequence model (the rest of `SeqModelConfig` comes from the role)."""
    hidden: int = SeqModelConfig.hidden
    layers: int = SeqModelConfig.layers
    emb: int = SeqModelConfig.emb
    dropout: float = SeqModelConfig.dropout


class Train(Section):
    """The optimisation (`training.loop.fit`)."""
    epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    patience: int                              # epochs without a better validation loss
    seed: int = 0
    max_minutes: float | None = None           # time budget; None = no limit
    cache_dir: str | None = None               # cached arrays (.npz); None = no cache


class DrumsRole(Section):
    data: DrumData
    model: DrumModel = DrumModel()
    train: Train


class SeqRole(Section):
    data: HarmonyData
    model: SeqModel = SeqModel()
    train: Train


class HarmonySection(Section):
    data: HarmonyData


class Evaluation(Section):
    """`training.evaluation.harness`: seeds, clips per reference slice, bootstrap resamples."""
    seed: int = 0
    max_clips: int = 300
    bootstrap: int = 100
    structure_seeds: int = 20      # parts per genre of the structure checks at the defaults


RoleConfig = DrumsRole | SeqRole


class TrainingConfig(Section):
    model_dir: str = "models"
    roles: list[str] | None = None             # None: every role with a section
    evaluation: Evaluation = Evaluation()
    drums: DrumsRole | None = None
    chords: SeqRole | None = None
    bassline: SeqRole | None = None
    melody: SeqRole | None = None
    harmony: HarmonySection | None = None

    def role(self, name: str) -> RoleConfig | None:
        """The named role's section (None when the config has none)."""
        section = getattr(self, name, None)
        return section if isinstance(section, DrumsRole | SeqRole) else None

    def harmony_data(self) -> HarmonyData:
        """The harmony data a summary reads: the "harmony" section's, else the chord role's, else
        the public datasets at their default paths."""
        if self.harmony is not None:
            return self.harmony.data
        return self.chords.data if self.chords is not None else DEFAULT_HARMONY_DATA

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    @classmethod
    def parse(cls, data: dict, source: str = "training config") -> "TrainingConfig":
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"{source}: " + "; ".join(_describe(e) for e in exc.errors())) from None


def _describe(error: dict) -> str:
    where = ".".join(str(p) for p in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"unknown key {where!r}"
    if error["type"] == "missing":
        return f"missing key {where!r}"
    return f"{where}: {error['msg']} (got {error.get('input')!r})"


def load_config(path: str | Path | None) -> TrainingConfig:
    """The config at `path` (None: an empty config, every default)."""
    if path is None:
        return TrainingConfig()
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return TrainingConfig.parse(data, str(path))
