"""The hooks chords, bassline and melody share: songs (the public datasets and the role's opted-in
material) -> the role's `SeqExample` windows -> `SeqArrays` -> `SeqModel` (`beatengine.seq`), its
Markov baseline, and the originality index of the role's pieces. A role's subclass says which
windows (`examples`), which pieces (`originality_pieces`) and whether `density` is a control."""

from abc import abstractmethod
from pathlib import Path

import numpy as np
import torch

from beatengine.originality import CopyIndex
from beatengine.roles import ROLES
from beatengine.seq.config import SeqModelConfig, SeqSpec
from beatengine.seq.decoder import CONFIG_FILE, WEIGHTS_FILE
from beatengine.seq.markov import MarkovSeq
from beatengine.seq.model import SeqModel, seq_loss
from training.config import HarmonyData, SeqRole, Train
from training.errors import NoTrainingData
from training.loop import Device, FitResult, to_tensors, validate
from training.originality import split_index
from training.seq import arrays as SA
from training.seq import evaluate
from training.sources.event_log import load_event_songs
from training.sources.harmony import load_harmony, summarize
from training.sources.song import Song
from training.spec import RoleData, RoleSpec

BASELINE_WINDOWS = 400   # the Markov baseline is compared on the first validation windows


class SeqRoleSpec(RoleSpec):
    arrays_class = SA.SeqArrays
    loss_names = ("nll",)
    weights_file, config_file = WEIGHTS_FILE, CONFIG_FILE
    density_control = False      # True: `density` is a percentile of the training windows' onsets
    line_field: str | None = None  # the Song field holding the role's line (None: no line)
    lowest_wins = False          # the line is the lowest voice (else the top one)

    @property
    def vocab(self) -> SeqSpec:
        return ROLES[self.name].spec

    @abstractmethod
    def examples(self, songs: list[Song], cfg: HarmonyData) -> list[SA.SeqExample]: ...

    @abstractmethod
    def originality_pieces(self, songs: list[Song]) -> dict[str, np.ndarray]: ...

    # ---- data ---------------------------------------------------------------------------------
    def material(self, cfg: SeqRole, root: Path) -> list[Song]:
        users = load_event_songs(self.name, cfg.data.event_log, root, self.line_field, not self.lowest_wins)
        return load_harmony(cfg.data, root) + users

    def cache_key(self, cfg: SeqRole, root: Path, material: list[Song]) -> list:
        # User material comes and goes (a withdrawal): its ids are part of the key.
        users = sorted(s.song_id for s in material if s.source == "user")
        return [cfg.data.model_dump(), len(material), users]

    def make_arrays(self, cfg: SeqRole, material: list[Song]) -> tuple[SA.SeqArrays, np.ndarray, dict]:
        examples = self.examples(material, cfg.data)
        if not examples:
            raise NoTrainingData(f"No {self.name} training material found: point the config's harmony "
                                 f"data paths at ../shared/datasets (billboard, pop909, "
                                 f"free-midi-chords); they gave {len(material)} songs")
        quantiles = {}
        if self.density_control:
            quantiles = SA.density_quantiles(examples)
            SA.with_density_percentiles(examples, quantiles)
        mcfg = SeqModelConfig.for_spec(self.name, self.vocab)
        return (SA.to_arrays(examples, mcfg.genres, mcfg.modes),
                np.array([e.split == "train" for e in examples]), quantiles)

    def summarize(self, material: list[Song]) -> dict:
        return summarize(material)

    # ---- model --------------------------------------------------------------------------------
    def split(self, d: RoleData) -> tuple[SA.SeqArrays, SA.SeqArrays]:
        train, val = d.arrays.subset(np.nonzero(d.is_train)[0]), d.arrays.subset(np.nonzero(~d.is_train)[0])
        if len(val) == 0:
            val = train.subset(np.arange(0, len(train), 10))
        return train, val

    def model_config(self, cfg: SeqRole, d: RoleData, train: SA.SeqArrays) -> SeqModelConfig:
        mcfg = SeqModelConfig.for_spec(self.name, self.vocab, **cfg.model.model_dump())
        mcfg.density_quantiles = d.quantiles
        mcfg.trained_genres = sorted({mcfg.genres[g] for g in np.unique(d.arrays.genre[d.is_train])})
        return mcfg

    def build_model(self, mcfg: SeqModelConfig) -> SeqModel:
        return SeqModel(mcfg)

    def loss(self, model: SeqModel, b: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        return (seq_loss(model(b["tgt"], b["pos"], b["step"], b["genre"], b["mode"], b["seq"]), b["tgt"]),)

    def baseline_metrics(self, model: SeqModel, fit: FitResult, train: SA.SeqArrays, val: SA.SeqArrays,
                         cfg: Train, dev: Device) -> dict:
        n = BASELINE_WINDOWS
        markov = MarkovSeq(self.vocab.vocab_size).fit(train.tgt, train.pos, train.genre)
        markov_nll = markov.nll(val.tgt[:n], val.pos[:n], val.genre[:n])
        first = to_tensors(val.subset(np.arange(min(n, len(val)))), dev.device)
        (val_first,) = validate(model, self.loss, first, cfg.batch_size * 2, dev)
        return {"val_nll": round(fit.best["nll"], 4), f"val_nll_first{n}": round(val_first, 4),
                f"markov_val_nll_first{n}": round(float(markov_nll), 4)}

    # ---- originality --------------------------------------------------------------------------
    def index(self, material: list[Song]) -> CopyIndex:
        return split_index(material, self.originality_pieces)

    def evaluate(self, ctx) -> dict:
        return evaluate.evaluate(ctx, self)
