"""Turn drum MIDI into training data for the drum model.

Sources, each labelled with a project genre:
- the Groove MIDI Dataset (`gmd_dir`): TD-11 notes mapped to the kit pieces of
  `beatengine.roles.drums.vocab`, quantized to 16ths keeping each hit's velocity and microtiming, sliced
  into 8-bar windows (hop 4 bars); each short fill clip is spliced after 3 bars of a beat by the same
  drummer in the same style, so the model learns how grooves run into fills;
- MIDI a user drops in `user_dir/<genre>/*.mid` (any General MIDI drum part on channel 10);
- drum material the service's users offered for training (`event_log`: the service's SQLite file
  or a Postgres URL), read only through the opt-in view (`eventlog.material`);
- the project's style rules (`beatengine.roles.drums.style_rules`) for genres the data lacks.

`python -m training.data_pipeline --config training/configs/local.json` prints what it finds.
"""

import argparse
import csv
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from beatengine.genres import GENRE_INDEX, gmd_style_to_genre
from beatengine.meter import MAX_STEPS_PER_BAR, METER_INDEX, STEPS_PER_BAR, STEPS_PER_BEAT
from beatengine.midi_io import DRUM_CHANNEL, read_midi
from beatengine.roles.drums import style_rules
from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.grid import DrumGrid, quantize
from eventlog.material import material_ids, read_material
from training.event_songs import event_log_source

log = logging.getLogger(__name__)

WINDOW_BARS = 8
HOP_BARS = 4
GMD_METERS = {"4-4": "4/4", "3-4": "3/4", "6-8": "6/8"}
NOTE_TO_PIECE = {**V.GM_EXTRA_TO_PIECE, **V.TD11_TO_PIECE}


class NoTrainingData(RuntimeError):
    """Raised when the configured data paths hold no usable MIDI."""


@dataclass
class Example:
    grid: DrumGrid
    genre: str
    bpm: float
    source: str   # "gmd" | "user" | "rules"
    split: str    # "train" | "validation"
    origin: str = ""  # the file (performance, song) it came from: splits and originality group by it


def _bars_of(parsed_length: float, meter: str) -> int:
    return int(parsed_length * STEPS_PER_BEAT) // STEPS_PER_BAR[meter]


def windows(grid: DrumGrid, bars: int = WINDOW_BARS, hop: int = HOP_BARS) -> list[DrumGrid]:
    """Windows of `bars` bars; near-silent ones (under 2 hits a bar: count-ins, gaps) are dropped."""
    if grid.n_bars <= bars:
        windows = [grid] if grid.n_bars >= 2 else []
    else:
        windows = [grid.bars(s, s + bars) for s in range(0, grid.n_bars - bars + 1, hop)]
    return [w for w in windows if hits_per_bar(w) >= 2]


def load_midi_grid(path: Path | str | bytes, meter: str | None = None,
                   is_fill: bool = False) -> tuple[DrumGrid, float] | None:
    """A drum file as a grid over its whole bars, and its tempo; None if it has no drums."""
    parsed = read_midi(str(path) if isinstance(path, Path) else path)
    meter = meter or parsed.time_signature
    if meter not in STEPS_PER_BAR:
        return None
    notes = parsed.notes_by_channel.get(DRUM_CHANNEL, [])
    n_bars = max(1, _bars_of(parsed.length_beats, meter)) if is_fill else _bars_of(
        parsed.length_beats, meter)
    if not notes or n_bars < 1:
        return None
    return quantize(notes, NOTE_TO_PIECE, meter, n_bars, is_fill), parsed.bpm


def load_gmd(gmd_dir: Path, rng: np.random.Generator) -> list[Example]:
    """All GMD train/validation examples (beat windows and spliced fills)."""
    rows = list(csv.DictReader(open(gmd_dir / "info.csv", newline="")))
    beats: dict[tuple[str, str, str], list[tuple[DrumGrid, float]]] = {}
    fills: list[tuple[dict, DrumGrid, float]] = []
    out: list[Example] = []
    for row in rows:
        split, meter = row["split"], GMD_METERS.get(row["time_signature"])
        genre = gmd_style_to_genre(row["style"])
        if split not in ("train", "validation") or meter is None or genre is None:
            continue
        loaded = load_midi_grid(gmd_dir / row["midi_filename"], meter, row["beat_type"] == "fill")
        if loaded is None:
            continue
        grid, _ = loaded
        bpm = float(row["bpm"])
        if row["beat_type"] == "fill":
            fills.append((row, grid.bars(0, min(grid.n_bars, 2)), bpm))
            continue
        beats.setdefault((row["drummer"], row["style"], split), []).append((grid, bpm))
        out += [Example(w, genre, bpm, "gmd", split, row["midi_filename"]) for w in windows(grid)]
    for row, fill, bpm in fills:
        lead = beats.get((row["drummer"], row["style"], row["split"]))
        parts = [fill]
        if lead:
            grid, _ = min(lead, key=lambda gb: abs(gb[1] - bpm))
            if grid.n_bars >= 3:
                s = int(rng.integers(0, grid.n_bars - 2))
                parts = [grid.bars(s, s + 3), fill]
        out.append(Example(DrumGrid.concat(parts), gmd_style_to_genre(row["style"]), bpm, "gmd",
                           row["split"], row["midi_filename"]))
    return out


def load_user_dir(user_dir: Path) -> list[Example]:
    """MIDI dropped in `user_dir/<genre>/`: 8-bar windows, every 10th file kept for validation."""
    out: list[Example] = []
    if not user_dir.is_dir():
        return out
    for genre_dir in sorted(p for p in user_dir.iterdir() if p.is_dir()):
        if genre_dir.name not in GENRE_INDEX:
            log.warning("skipping %s: %r is not a genre", genre_dir, genre_dir.name)
            continue
        files = sorted([*genre_dir.glob("*.mid"), *genre_dir.glob("*.midi")])
        for i, path in enumerate(files):
            try:
                loaded = load_midi_grid(path)
            except ValueError as exc:
                log.warning("skipping %s: %s", path, exc)
                continue
            if loaded is None:
                continue
            grid, bpm = loaded
            split = "validation" if i % 10 == 9 else "train"
            out += [Example(w, genre_dir.name, bpm, "user", split, str(path))
                    for w in windows(grid)]
    return out


def load_event_material(source: str) -> list[Example]:
    """Drum material users opted in to (uploads and batches), as 8-bar windows; one item in ten
    (by its id, so it stays put as material comes and goes) is kept for validation."""
    out: list[Example] = []
    for m in read_material(source, "drums"):
        if m.genre not in GENRE_INDEX:
            log.warning("skipping user material %s: no genre label", m.event_id)
            continue
        try:
            loaded = load_midi_grid(m.midi)
        except ValueError as exc:
            log.warning("skipping user material %s: %s", m.event_id, exc)
            continue
        if loaded is None:
            continue
        grid, bpm = loaded
        split = "validation" if int(m.event_id.replace("-", "")[-4:], 16) % 10 == 9 else "train"
        out += [Example(w, m.genre, bpm, "user", split, f"event:{m.event_id}")
                for w in windows(grid)]
    return out


def rule_examples(per_genre: int, rng: np.random.Generator) -> list[Example]:
    """Rule-made 8-bar grooves for every rule genre: mostly 4/4, some 3/4 and 6/8."""
    out: list[Example] = []
    for genre in style_rules.RULE_GENRES:
        for i in range(per_genre):
            meter = "4/4" if i % 10 < 8 else ("3/4" if i % 2 else "6/8")
            fill_every = int(rng.choice([0, 4, 4, 8]))
            grid, bpm = style_rules.generate(genre, rng, WINDOW_BARS, meter, fill_every)
            out.append(Example(grid, genre, bpm, "rules", "validation" if i % 10 == 0 else "train"))
    return out


def collect_examples(cfg: dict, root: Path = Path(".")) -> list[Example]:
    """Every example the drum config points at. Raises NoTrainingData when there is no MIDI."""
    rng = np.random.default_rng(cfg.get("seed", 0))
    gmd_dir = root / cfg["gmd_dir"] if cfg.get("gmd_dir") else None
    user_dir = root / cfg.get("user_dir", "training/data/drums")
    examples: list[Example] = []
    if gmd_dir is not None and (gmd_dir / "info.csv").is_file():
        examples += load_gmd(gmd_dir, rng)
    examples += load_user_dir(user_dir)
    if cfg.get("event_log"):
        examples += load_event_material(event_log_source(cfg, root))
    if not examples:
        raise NoTrainingData(
            f"No drum MIDI found. Put the Groove MIDI Dataset at {gmd_dir} (with its info.csv), "
            f"or drop General MIDI drum files into {user_dir}/<genre>/*.mid "
            f"(genre one of: {', '.join(GENRE_INDEX)}).")
    examples += rule_examples(int(cfg.get("rule_examples_per_genre", 0)), rng)
    return examples


def fingerprint(cfg: dict, root: Path = Path(".")) -> list:
    """Names, sizes and times of the source files, so cached arrays follow changes in the data."""
    out: list = []
    if cfg.get("gmd_dir"):
        info = root / cfg["gmd_dir"] / "info.csv"
        if info.is_file():
            out.append([str(info), info.stat().st_size, info.stat().st_mtime])
    user_dir = root / cfg.get("user_dir", "training/data/drums")
    if user_dir.is_dir():
        out += sorted([str(p), p.stat().st_size, p.stat().st_mtime]
                      for p in user_dir.rglob("*") if p.is_file())
    if cfg.get("event_log"):  # what users offered (or withdrew) changes the data
        out.append(["event_log", sorted(material_ids(event_log_source(cfg, root), "drums"))])
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


def hits_per_bar(grid: DrumGrid) -> float:
    return float(grid.hits.sum()) / max(1, grid.n_bars)


def density_percentiles(examples: list[Example]) -> dict[str, list[float]]:
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


def to_arrays(examples: list[Example], quantiles: dict[str, list[float]],
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


def summarize(examples: list[Example]) -> dict:
    """Counts per source, split and genre, for the manifest and the console."""
    summary: dict = {"sequences": len(examples), "bars": 0, "by_source": {}, "by_genre": {},
                     "by_split": {}}
    for ex in examples:
        summary["bars"] += ex.grid.n_bars
        for key, val in (("by_source", ex.source), ("by_genre", ex.genre), ("by_split", ex.split)):
            summary[key][val] = summary[key].get(val, 0) + 1
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="training/configs/local.json")
    args = parser.parse_args()
    cfg = json.loads(Path(args.config).read_text())
    try:
        examples = collect_examples(cfg["drums"]["data"])
    except NoTrainingData as exc:
        raise SystemExit(str(exc)) from exc
    print(json.dumps(summarize(examples), indent=2))


if __name__ == "__main__":
    main()
