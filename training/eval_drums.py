"""The drums part of `training.evaluate`: reference clips, the systems compared, their features,
controls and copy rates.

Systems, each generating one clip under the genre, tempo, metre and bars of every reference clip:
- `model` (and `previous`, the checkpoint before it): the numpy generator the service runs, with its
  originality guard, at a density percentile drawn uniformly (the distribution it was trained on);
- `markov`: the order-2 Markov baseline fitted on the training split;
- `random`: every kit piece hit independently at its per-genre rate in the training split;
- `copy`: the first bars of a random training clip of the same genre and metre;
- `real_b`: the second slice of real clips (ceiling and noise floor; not conditioned).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from beatengine.genres import GENRE_NAMES
from beatengine.meter import STEPS_PER_BAR, STEPS_PER_BEAT
from beatengine.midi_io import Song, Track, read_midi, write_midi
from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.features import SCALAR_FEATURES, feature_vector, onset_window_hashes
from beatengine.roles.drums.generator import DrumGenerator, DrumParams
from beatengine.roles.drums.grid import DrumGrid, tokens_to_hits
from beatengine.roles.drums.markov import MarkovDrums
from training import data_pipeline as dp
from training.originality_index import drum_index
from training.train_drums import load_arrays

FEATURE_NAMES = (*SCALAR_FEATURES, *(f"kick_hist_{i}" for i in range(16)),
                 *(f"snare_hist_{i}" for i in range(16)))
N_SCALARS = len(SCALAR_FEATURES)


@dataclass
class Clip:
    grid: DrumGrid
    genre: str
    bpm: float
    origin: str


def reference_clips(data_cfg: dict, reference: Path | None, genre: str | None) -> list[Clip]:
    """The validation split's real grooves (fills excluded), or the .mid files under `reference`
    cut into 8-bar windows; a file's genre is its folder's name when that is a genre, else `genre`."""
    if reference is None:
        return [Clip(e.grid, e.genre, e.bpm, e.origin) for e in dp.collect_examples(data_cfg)
                if e.split == "validation" and e.source != "rules" and not e.grid.fill_bars.any()]
    clips = []
    for path in sorted([*reference.rglob("*.mid"), *reference.rglob("*.midi")]):
        g = path.parent.name if path.parent.name in GENRE_NAMES else genre
        if g is None:
            raise SystemExit(f"{path}: its folder is not a genre; pass --genre")
        try:
            loaded = dp.load_midi_grid(path)
        except ValueError:
            continue
        if loaded is not None:
            clips += [Clip(w, g, loaded[1], str(path)) for w in dp.windows(loaded[0])]
    return clips


class Baselines:
    """The trivial systems, all fitted on the training split."""

    def __init__(self, train: list[dp.Example], data_cfg: dict, cache_dir: Path | None):
        arrays, is_train, _, _ = load_arrays(data_cfg, cache_dir, Path("."))
        a = arrays.subset(np.nonzero(is_train)[0])
        self.markov = MarkovDrums().fit(a.inp, a.tgt, a.pos, a.genre, a.vel)
        self.rates: dict[str, np.ndarray] = {}
        self.velocities: dict[str, np.ndarray] = {}
        for g in {e.genre for e in train}:
            grids = [e.grid for e in train if e.genre == g]
            self.rates[g] = np.mean([gr.hits.mean(axis=0) for gr in grids], axis=0)      # (P,)
            self.velocities[g] = np.concatenate([gr.velocity[gr.hits] for gr in grids])
        self.real = [e for e in train if e.source != "rules"]

    def markov_clip(self, c: Clip, rng: np.random.Generator) -> DrumGrid:
        pos = dp.position_ids(c.grid.meter, c.grid.n_bars, np.zeros(c.grid.n_bars, bool))
        tokens, vel_bins = self.markov.sample(GENRE_NAMES.index(c.genre), pos, rng)
        return _grid(c.grid.meter, tokens_to_hits(tokens), V.bin_to_velocity(vel_bins))

    def random_clip(self, c: Clip, rng: np.random.Generator) -> DrumGrid:
        rates = self.rates.get(c.genre, np.mean(list(self.rates.values()), axis=0))
        hits = rng.random(c.grid.hits.shape) < rates
        pool = self.velocities.get(c.genre, np.array([90]))
        return _grid(c.grid.meter, hits, rng.choice(pool, size=hits.shape))

    def copy_clip(self, c: Clip, rng: np.random.Generator) -> DrumGrid:
        fits = [e for e in self.real if e.grid.meter == c.grid.meter and
                e.grid.n_bars >= c.grid.n_bars]
        fits = [e for e in fits if e.genre == c.genre] or fits
        return fits[int(rng.integers(len(fits)))].grid.bars(0, c.grid.n_bars)


def _grid(meter: str, hits: np.ndarray, velocity: np.ndarray) -> DrumGrid:
    grid = DrumGrid.empty(meter, len(hits) // STEPS_PER_BAR[meter])
    grid.hits = hits
    grid.velocity = np.where(hits, velocity, 0)
    return grid


def model_clip(gen: DrumGenerator, c: Clip, seed: int, density: float) -> tuple[DrumGrid, dict]:
    """One generated clip and what its decoded MIDI says about bars, tempo and metre."""
    p = DrumParams(genre=c.genre, bpm=c.bpm, bars=c.grid.n_bars, time_signature=c.grid.meter,
                   density=density, fills=0, seed=seed)
    v = gen.generate(p)[0]
    midi = write_midi(Song([Track("drums", v.notes, is_drum=True, channel=9)], bpm=p.bpm,
                           time_signature=p.time_signature,
                           length_beats=v.grid.n_steps / STEPS_PER_BEAT))
    parsed = read_midi(midi)
    beats_per_bar = STEPS_PER_BAR[p.time_signature] / STEPS_PER_BEAT
    return v.grid, {"bars_ok": round(parsed.length_beats / beats_per_bar, 6) == p.bars,
                    "tempo_ok": abs(parsed.bpm - p.bpm) < 0.01,
                    "meter_ok": parsed.time_signature == p.time_signature,
                    "originality": v.originality.score}


def evaluate(ctx) -> dict:
    """Fill the role-independent result skeleton of `training.evaluate` for drums."""
    cfg = ctx.cfg["drums"]
    data_cfg = cfg["data"]
    cache = Path(cfg["train"]["cache_dir"]) if cfg["train"].get("cache_dir") else None
    examples = dp.collect_examples(data_cfg)
    train = [e for e in examples if e.split == "train"]
    baselines = Baselines(train, data_cfg, cache)
    index = drum_index(examples)
    clips_a, clips_b = ctx.slices(reference_clips(data_cfg, ctx.reference, ctx.genre),
                                  lambda c: c.origin)
    rng = np.random.default_rng(ctx.seed)
    density = rng.random(len(clips_a))
    generators = {"model": DrumGenerator.load(ctx.checkpoint.path)}
    if ctx.previous is not None:
        generators["previous"] = DrumGenerator.load(ctx.previous.path)

    grids: dict[str, list[DrumGrid]] = {"real_a": [c.grid for c in clips_a],
                                        "real_b": [c.grid for c in clips_b]}
    checks: dict[str, list[dict]] = {}
    for name, gen in generators.items():
        made = [model_clip(gen, c, ctx.seed + i, float(density[i])) for i, c in enumerate(clips_a)]
        grids[name], checks[name] = [g for g, _ in made], [m for _, m in made]
    for name, make in (("markov", baselines.markov_clip), ("random", baselines.random_clip),
                       ("copy", baselines.copy_clip)):
        sys_rng = np.random.default_rng(ctx.seed + len(name))
        grids[name] = [make(c, sys_rng) for c in clips_a]

    features = {k: np.array([feature_vector(g) for g in v]) for k, v in grids.items()}
    real_train = [e for e in train if e.source != "rules"]
    genre_clf = ctx.measures.fit_label_classifier(
        np.array([feature_vector(e.grid) for e in real_train]), [e.genre for e in real_train])
    genres_a = [c.genre for c in clips_a]
    quantiles = generators["model"].cfg.density_quantiles

    def controls(name: str) -> dict:
        made = checks[name]
        got = [dp.density_of(dp.hits_per_bar(g), quantiles.get(c.genre, [0.0, 1.0]))
               for g, c in zip(grids[name], clips_a, strict=True)]
        return {"bars": np.mean([m["bars_ok"] for m in made]),
                "tempo": np.mean([m["tempo_ok"] for m in made]),
                "time_signature": np.mean([m["meter_ok"] for m in made]),
                "density_rank_corr": ctx.measures.rank_correlation(density, np.array(got)),
                "genre_recognition": ctx.measures.recognition_rate(genre_clf, features[name],
                                                                   genres_a)}

    def copy_rate(gs: list[DrumGrid]) -> float:
        hashes = [onset_window_hashes(g.hits, g.meter) for g in gs]
        return float(index.found(np.concatenate(hashes)).mean()) if hashes else float("nan")

    return {
        "feature_names": list(FEATURE_NAMES), "scalar_features": list(SCALAR_FEATURES),
        "features": features,
        "groups": {**{k: [c.origin for c in clips_a] for k in grids},
                   "real_b": [c.origin for c in clips_b]},
        "conditions": {"genres": sorted(set(genres_a))},
        "controls": {name: controls(name) for name in generators},
        "real_genre_recognition": ctx.measures.recognition_rate(genre_clf, features["real_a"],
                                                                genres_a),
        "copy_rates": {name: copy_rate(gs) for name, gs in grids.items() if name != "real_a"},
        "copy_unit": "4-bar onset grids (hop 1 bar)",
        "notes": ["key, chord-tone and bass-root controls do not apply to drums",
                  "the reference is real recordings, so genres learned only from the style rules "
                  "(trap, drill, house, techno, lo-fi, drum and bass) are not in it; evaluate them "
                  "against a folder of your own with --reference DIR"],
    }
