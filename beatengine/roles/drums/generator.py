"""Drum generation from a checkpoint: controls in, grids and notes out."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from beatengine.errors import UnsupportedRequest
from beatengine.meter import METER_INDEX, STEPS_PER_BAR
from beatengine.midi_io import Note
from beatengine.originality import INDEX_FILE, MAX_RESAMPLES, CopyIndex, Originality, resample_copies
from beatengine.roles.drums import loop
from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.config import DrumModelConfig
from beatengine.roles.drums.decoder import DecodeResult, DrumDecoder
from beatengine.roles.drums.features import onset_window_hashes
from beatengine.roles.drums.grid import DrumGrid, render, tokens_to_hits
from beatengine.roles.drums.style_rules import TEMPO_RANGE
from beatengine.roles.drums.touch import apply_touch
from beatengine.sampling import NEG_INF, combine, forbid, nudge

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"

# Hits a genre's grooves always play outside fill bars, in 4/4: (piece, steps of the bar). Four on
# the floor is a kick on every beat (the model learned house partly from disco drummers, who leave
# beats open, and loses beats at fast tempos without this); the backbeat is the snare (or clap) on 2
# and 4; trap and drill are half-time, the snare on 3. A required hit is a hard logit mask, so it
# holds at every tempo and density, and an accent (its velocity is never a ghost note's). Fill bars
# of four-on-the-floor genres keep their downbeat kick.
BACKBEAT = (V.SNARE, (4, 12))
FOUR_ON_THE_FLOOR = (V.KICK, (0, 4, 8, 12))
REQUIRED_HITS: dict[str, list[tuple[int, tuple[int, ...]]]] = {
    "house": [FOUR_ON_THE_FLOOR, BACKBEAT], "techno": [FOUR_ON_THE_FLOOR],
    "trap": [(V.SNARE, (8,))], "drill": [(V.SNARE, (8,))],
    **{g: [BACKBEAT] for g in ("rock", "boom_bap", "lofi", "drum_and_bass")},
}
REQUIRED_IN_FILLS: dict[str, list[tuple[int, tuple[int, ...]]]] = {
    "house": [(V.KICK, (0,))], "techno": [(V.KICK, (0,))]}

# Swing moves the off-beat 8ths in the genres played with swung 8ths, the off-beat 16ths otherwise.
SWING_GRID: dict[str, int] = {"jazz": 8, "boom_bap": 8, "lofi": 8}


# Electronic genres play the backbeat on a clap unless the request maps it elsewhere.
GENRE_KIT: dict[str, dict[str, int]] = {"house": {"snare": 39}, "techno": {"snare": 39},
                                       "trap": {"snare": 39}}


@dataclass
class DrumParams:
    genre: str
    bpm: float
    bars: int
    time_signature: str = "4/4"
    density: float = 0.5
    swing: float = 0.0
    humanize: float = 0.5
    fills: int = 8                  # a fill in the last bar of every `fills` bars; 0 = none
    temperature: float = 1.0
    seed: int = 0
    variations: int = 1
    drum_map: dict[str, int] = field(default_factory=dict)  # piece name -> GM note
    exclude: list[str] = field(default_factory=list)        # pieces never to play
    variety: float | None = None    # how much repeats of the loop change; None = the genre's
    swing_grid: int | None = None   # 8 or 16: which notes swing moves; None = the genre's

    def resolved_swing_grid(self) -> int:
        return self.swing_grid or SWING_GRID.get(self.genre, 16)

    def fill_bars(self) -> np.ndarray:
        bars = np.arange(self.bars)
        return (bars + 1) % self.fills == 0 if self.fills else np.zeros(self.bars, bool)

    def note_map(self) -> tuple[int, ...]:
        chosen = {**GENRE_KIT.get(self.genre, {}), **self.drum_map}
        notes = [chosen.get(name, V.GM_NOTE[i]) for i, name in enumerate(V.PIECE_NAMES)]
        if "hh_roll" not in chosen:
            notes[V.HH_ROLL] = notes[V.CLOSED_HH]
        return tuple(notes)


def model_tempo(p: DrumParams) -> float:
    """The tempo the model is conditioned on. A programmed genre's beat is the same pattern at any
    tempo, and the model learned it from the style rules' tempo range only, so outside that range
    it is asked for the nearest tempo it knows (house at 150 bpm is house at 128, played faster)."""
    if p.genre in TEMPO_RANGE:
        lo, hi = TEMPO_RANGE[p.genre]
        return float(min(max(p.bpm, lo), hi))
    return p.bpm


@dataclass
class DrumVariation:
    grid: DrumGrid
    notes: list[Note]
    originality: Originality


_TOKEN_HITS = tokens_to_hits(np.arange(V.NUM_PATTERNS))                 # (1024, P)
_POPCOUNT = _TOKEN_HITS.sum(axis=1).astype(np.float32)


class DrumGenerator:
    """A loaded drum checkpoint, ready to generate."""

    def __init__(self, weights: dict[str, np.ndarray], cfg: DrumModelConfig,
                 copy_index: CopyIndex | None = None):
        self.cfg = cfg
        self.decoder = DrumDecoder(weights, cfg)
        self.genre_index = {g: i for i, g in enumerate(cfg.genres)}
        self.copy_index = copy_index

    @classmethod
    def load(cls, path: Path) -> "DrumGenerator":
        cfg = DrumModelConfig.from_json((path / CONFIG_FILE).read_text())
        index = CopyIndex.load(path / INDEX_FILE) if (path / INDEX_FILE).is_file() else None
        return cls(load_file(str(path / WEIGHTS_FILE)), cfg, index)

    def warm_up(self) -> None:
        """One short generation, so the first request does not pay for first-call set-up."""
        self.generate(DrumParams(genre=self.cfg.genres[0], bpm=120, bars=1))

    def logit_bias(self, p: DrumParams) -> np.ndarray:
        """Static masks: excluded pieces are forbidden; density leans on the number of hits."""
        excluded = [V.PIECE_INDEX[name] for name in p.exclude]
        if V.CLOSED_HH in excluded:
            excluded.append(V.HH_ROLL)
        allowed = ~_TOKEN_HITS[:, excluded].any(axis=1) if excluded else None
        return combine(V.NUM_PATTERNS, None if allowed is None else forbid(allowed),
                       nudge(_POPCOUNT, 0.6 * (p.density - 0.5)))

    def variety_of(self, p: DrumParams) -> float:
        """The request's variety, or the genre's default for this checkpoint."""
        return loop.default_variety(p.genre, self.cfg.variety) if p.variety is None else p.variety

    def required_hits(self, p: DrumParams, fills: np.ndarray) -> np.ndarray | None:
        """(T, P) bool: the genre's required hits of `REQUIRED_HITS` (4/4 only; a required piece
        the request excludes is not required)."""
        if p.time_signature != "4/4" or p.genre not in REQUIRED_HITS:
            return None
        spb = STEPS_PER_BAR["4/4"]
        required = np.zeros((p.bars * spb, V.NUM_PIECES), bool)
        for bar in range(p.bars):
            table = REQUIRED_IN_FILLS if fills[bar] else REQUIRED_HITS
            for piece, steps in table.get(p.genre, []):
                if V.PIECE_NAMES[piece] not in p.exclude:
                    required[bar * spb + np.asarray(steps), piece] = True
        return required

    @staticmethod
    def required_bias(required: np.ndarray | None) -> np.ndarray | None:
        """(T, 1024) mask forbidding, at each step, the tokens that leave out a required hit."""
        if required is None:
            return None
        lacking = np.zeros((len(required), V.NUM_PATTERNS), bool)
        for piece in np.nonzero(required.any(axis=0))[0]:
            lacking[required[:, piece]] |= ~_TOKEN_HITS[:, piece]
        return np.where(lacking, NEG_INF, np.float32(0.0))

    def generate(self, p: DrumParams) -> list[DrumVariation]:
        if p.genre not in self.genre_index:
            raise UnsupportedRequest(f"genre {p.genre!r} is not known to drums model; it knows "
                                     f"{', '.join(self.cfg.genres)}")
        meter = METER_INDEX[p.time_signature]
        spb = STEPS_PER_BAR[p.time_signature]
        fills = p.fill_bars()
        positions = np.array([V.position_id(meter, t % spb, bool(fills[t // spb]), t // spb)
                              for t in range(p.bars * spb)])
        rng = np.random.default_rng(p.seed)
        required = self.required_hits(p, fills)
        bias, step_bias = self.logit_bias(p), self.required_bias(required)
        loop_len = loop.loop_bars(p.genre, p.bars)

        def draw(n: int) -> DecodeResult:
            plan = loop.plan(p.bars, spb, fills, loop_len, self.variety_of(p), n, rng)
            return self.decoder.decode(self.genre_index[p.genre], model_tempo(p), p.density, positions, n,
                                       rng, p.temperature, bias, step_bias=step_bias, plan=plan,
                                       accents=required)

        out, originality = self.guard(draw(p.variations), draw, p.time_signature)
        note_map = p.note_map()
        variations = []
        for b in range(p.variations):
            hits = tokens_to_hits(out.tokens[b])                                  # (T, P)
            jitter = rng.random((2, *hits.shape))
            grid = DrumGrid(
                meter=p.time_signature, hits=hits,
                velocity=np.where(hits, V.bin_to_velocity(out.vel_bins[b], jitter[0]),
                                  0),
                offset=np.where(hits, V.bin_to_offset(out.off_bins[b], jitter[1]), 0.0),
                roll_div=np.where(hits[:, V.HH_ROLL],
                                  np.asarray(V.ROLL_DIVISIONS)[out.roll_idx[b]], 0),
                fill_bars=fills)
            takes = self.cfg.touch.get(p.genre)
            if takes:
                apply_touch(grid, takes[int(rng.integers(len(takes)))], required)
            notes = render(grid, note_map, p.swing, p.humanize, p.resolved_swing_grid())
            variations.append(DrumVariation(grid, notes, originality[b]))
        return variations

    def guard(self, out: DecodeResult, draw, meter: str) -> tuple[DecodeResult, list[Originality]]:
        """The originality guard: variations whose 4-bar onset grids copy the training set beyond
        the index's threshold are drawn again (see `resample_copies`)."""
        fields = ("tokens", "vel_bins", "off_bins", "roll_idx")

        def rows(r: DecodeResult) -> list[tuple]:
            return list(zip(*(getattr(r, f) for f in fields), strict=True))

        def check(row: tuple) -> tuple[int, int]:
            if self.copy_index is None:
                return 0, 0
            hashes = onset_window_hashes(tokens_to_hits(row[0]), meter)
            return len(hashes), int(self.copy_index.found(hashes).sum())

        threshold = self.copy_index.max_copy_share if self.copy_index else 1.0
        kept, originality = resample_copies(rows(out), check, lambda k: rows(draw(k)), threshold,
                                            MAX_RESAMPLES)
        for i, f in enumerate(fields):
            setattr(out, f, np.stack([row[i] for row in kept]))
        return out, originality
