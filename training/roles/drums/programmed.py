"""The programmed genres (learned from the style rules, with no real recordings to compare with):
do the generated parts loop like programmed beats, and are the genres told apart?

Per programmed genre, parts at the service's defaults (8 bars, a fill in bar 8, the genre's tempo)
are measured beside the rule material's validation clips (`training.roles.drums.structure`); a
classifier then tries to tell generated drill from generated trap (their fingerprints differ in the
snare placement, kick figures and hats, `beatengine.roles.drums.style_rules`).
"""

import numpy as np

from beatengine.genres import GENRE_BY_NAME
from beatengine.roles.drums.generator import DrumGenerator, DrumParams
from beatengine.roles.drums.loop import PROGRAMMED_GENRES
from training.evaluation import measures
from training.roles.drums import structure
from training.roles.drums.features import clip_features
from training.sources.drum_midi import DrumExample

CLIPS = 60
BARS = 8
PAIRS = (("drill", "trap"),)   # genres a producer must never hear as one another


def default_parts(gen: DrumGenerator, genre: str, seed: int, clips: int = CLIPS, **controls):
    """`clips` parts of `genre` at the service defaults (or `controls`), each with its bpm."""
    bpm = float(GENRE_BY_NAME[genre].default_bpm)
    return [(gen.generate(DrumParams(genre=genre, bpm=bpm, bars=BARS, seed=seed + i, **controls)
                          )[0].grid, bpm) for i in range(clips)]


def evaluate_programmed(gen: DrumGenerator, examples: list[DrumExample], seed: int) -> dict:
    """{"by_genre": {genre: {"model": cell, "rules": cell}}, "pairs": {"drill/trap": AUC}}, a cell
    as `structure.genre_table` gives it."""
    parts = {g: default_parts(gen, g, seed) for g in PROGRAMMED_GENRES if g in gen.genre_index}
    rules = [e for e in examples if e.genre in parts and e.source == "rules"
             and e.split == "validation" and e.grid.meter == "4/4"]
    table = structure.genre_table({
        "model": [(g, structure.measures(grid, bpm)) for g, made in parts.items()
                  for grid, bpm in made],
        "rules": [(e.genre, structure.measures(e.grid, e.bpm)) for e in rules]})
    by_genre = {g: table[g] for g in parts}                       # in PROGRAMMED_GENRES' order
    pairs = {}
    for a, b in PAIRS:
        if a in parts and b in parts:
            xa = np.array([clip_features(grid, bpm) for grid, bpm in parts[a]])
            xb = np.array([clip_features(grid, bpm) for grid, bpm in parts[b]])
            pairs[f"{a}/{b}"] = max(measures.c2st_auc(xa, xb, list(range(len(xa))),
                                                      list(range(len(xb))), seed=seed,
                                                      classifier=c) for c in measures.C2ST_CLASSIFIERS)
    return {"measures": list(structure.GENRE_MEASURES), "by_genre": by_genre, "pairs": pairs}
