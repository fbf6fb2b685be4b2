"""The drum role's training data: every example its sources give (`training.sources`: the Groove
MIDI Dataset, a user's folder, opted-in material from the event log) plus grooves of the project's
style rules (`beatengine.roles.drums.style_rules`) for genres the data lacks, and the arrays the drum
model trains on.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from beatengine.genres import GENRE_INDEX
from beatengine.meter import MAX_STEPS_PER_BAR, METER_INDEX, STEPS_PER_BAR
from beatengine.roles.drums import style_patterns, style_rules
from beatengine.roles.drums import vocab as V
from eventlog.material import material_ids
from training.config import DrumData
from training.errors import NoTrainingData
from training.sources.drum_midi import WINDOW_BARS, DrumExample, hits_per_bar
from training.sources.event_log import event_log_source, load_event_material
from training.sources.gmd import load_gmd
from training.sources.user_midi import load_user_dir


def rule_examples(per_genre: int, rng: np.random.Generator) -> list[DrumExample]:
    """Rule-made 8-bar grooves for every rule genre: mostly 4/4, some 3/4 and 6/8."""
    out: list[DrumExample] = []
    for genre in style_rules.RULE_GENRES:
        for i in range(per_genre):
            meter = "4/4" if i % 10 < 8 else ("3/4" if i % 2 else "6/8")
            fill_every = int(rng.choice([0, 4, 4, 8]))
            grid, bpm = style_rules.generate(genre, rng, WINDOW_BARS, meter, fill_every)
            out.append(DrumExample(grid, genre, bpm, "rules", "validation" if i % 10 == 0 else "train"))
    return out


def collect_examples(cfg: DrumData, root: Path = Path(".")) -> list[DrumExample]:
    """Every example the drum config points at. Raises NoTrainingData when there is no MIDI."""
    rng = np.random.default_rng(cfg.seed)
    gmd_dir = root / cfg.gmd_dir if cfg.gmd_dir else None
    user_dir = root / cfg.user_dir
    examples: list[DrumExample] = []
    if gmd_dir is not None and (gmd_dir / "info.csv").is_file():
        examples += load_gmd(gmd_dir, rng)
    examples += load_user_dir(user_dir)
    if cfg.event_log:
        examples += load_event_material(event_log_source(cfg.event_log, root))
    if not examples:
        raise NoTrainingData(
            f"No drum MIDI found. Put the Groove MIDI Dataset at {gmd_dir} (with its info.csv), "
            f"or drop General MIDI drum files into {user_dir}/<genre>/*.mid "
            f"(genre one of: {', '.join(GENRE_INDEX)}).")
    examples += rule_examples(cfg.rule_examples_per_genre, rng)
    return examples


def rules_fingerprint() -> str:
    """A hash of the style rules' code: the cached arrays hold their grooves, so a change in the
    rules must not reuse them."""
    h = hashlib.sha256()
    for module in (style_rules, style_patterns):
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()


def fingerprint(cfg: DrumData, root: Path = Path(".")) -> list:
    """Names, sizes and times of the source files, so cached arrays follow changes in the data."""
    out: list = []
    if cfg.gmd_dir:
        info = root / cfg.gmd_dir / "info.csv"
        if info.is_file():
            out.append([str(info), info.stat().st_size, info.stat().st_mtime])
    user_dir = root / cfg.user_dir
    if user_dir.is_dir():
        out += sorted([str(p), p.stat().st_size, p.stat().st_mtime]
                      for p in user_dir.rglob("*") if p.is_file())
    if cfg.event_log:  # what users offered (or withdrew) changes the data
        out.append(["event_log", sorted(material_ids(event_log_source(cfg.event_log, root), "drums"))])
    return out


@dataclass
class DrumArrays:
    """Training tensors as numpy arrays over N sequences of up to L steps."""
    inp: np.ndarray       # (N, L) int: previous token (BOS first)
    tgt: np.ndarray       # (N, L) int: pattern token, -1 = padding
    pos: np.ndarray       # (N, L) int: position id
    vel: np.ndarray       # (N, L, P) int: velocity bin, -1 where no hit
    off: np.ndarray       # (N, L, P) int: offset bin, -1 where no hit
    roll: np.ndarray      # (N, L) int: index into ROLL_DIVISIONS, -1 where no roll
    genre: np.ndarray     # (N,) int
    tempo: np.ndarray     # (N,) float: bpm
    density: np.ndarray   # (N,) float: hits-per-bar percentile within the genre, 0-1
    meter: np.ndarray     # (N,) int

    def subset(self, idx: np.ndarray) -> "DrumArrays":
        return DrumArrays(**{k: v[idx] for k, v in self.__dict__.items()})

    def __len__(self) -> int:
        return len(self.tgt)


def density_percentiles(examples: list[DrumExample]) -> dict[str, list[float]]:
    """Per genre, the 0..100% quantiles (step 5%) of hits per bar over the train examples."""
    by_genre: dict[str, list[float]] = {}
    for ex in examples:
        if ex.split == "train":
            by_genre.setdefault(ex.genre, []).append(hits_per_bar(ex.grid))
    return {g: np.quantile(v, np.linspace(0, 1, 21)).round(3).tolist() for g, v in by_genre.items()}


def density_of(hpb: float, quantiles: list[float]) -> float:
    """Where `hpb` hits per bar falls among a genre's quantiles, 0-1."""
    return float(np.interp(hpb, quantiles, np.linspace(0, 1, len(quantiles))))


def position_ids(meter: str, n_bars: int, fill_bars: np.ndarray) -> np.ndarray:
    spb = STEPS_PER_BAR[meter]
    m = METER_INDEX[meter]
    return np.array([V.position_id(m, t % spb, bool(fill_bars[t // spb]), t // spb)
                     for t in range(n_bars * spb)], dtype=np.int64)


def to_arrays(examples: list[DrumExample], quantiles: dict[str, list[float]],
              max_len: int = WINDOW_BARS * MAX_STEPS_PER_BAR) -> DrumArrays:
    n, p = len(examples), V.NUM_PIECES
    a = DrumArrays(
        inp=np.full((n, max_len), V.BOS, np.int64), tgt=np.full((n, max_len), -1, np.int64),
        pos=np.zeros((n, max_len), np.int64), vel=np.full((n, max_len, p), -1, np.int64),
        off=np.full((n, max_len, p), -1, np.int64), roll=np.full((n, max_len), -1, np.int64),
        genre=np.zeros(n, np.int64), tempo=np.zeros(n, np.float32),
        density=np.zeros(n, np.float32), meter=np.zeros(n, np.int64))
    for i, ex in enumerate(examples):
        g = ex.grid
        t = min(g.n_steps, max_len)
        tok = g.tokens()[:t]
        a.tgt[i, :t] = tok
        a.inp[i, 1:t] = tok[:t - 1]
        a.pos[i, :t] = position_ids(g.meter, g.n_bars, g.fill_bars)[:t]
        hits = g.hits[:t]
        vb = V.velocity_to_bin(g.velocity[:t])
        ob = V.offset_to_bin(g.offset[:t])
        a.vel[i, :t] = np.where(hits, vb, -1)
        a.off[i, :t] = np.where(hits, ob, -1)
        a.roll[i, :t] = np.where(g.roll_div[:t] > 0, (g.roll_div[:t] >= 3).astype(int), -1)
        a.genre[i] = GENRE_INDEX[ex.genre]
        a.tempo[i] = ex.bpm
        q = quantiles.get(ex.genre)
        a.density[i] = density_of(hits_per_bar(g), q) if q else 0.5
        a.meter[i] = METER_INDEX[g.meter]
    return a


def summarize(examples: list[DrumExample]) -> dict:
    """Counts per source, split and genre, for the manifest and the console."""
    summary: dict = {"sequences": len(examples), "bars": 0, "by_source": {}, "by_genre": {},
                     "by_split": {}}
    for ex in examples:
        summary["bars"] += ex.grid.n_bars
        for key, val in (("by_source", ex.source), ("by_genre", ex.genre), ("by_split", ex.split)):
            summary[key][val] = summary[key].get(val, 0) + 1
    return summary
