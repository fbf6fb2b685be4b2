"""The drum style rules write loops: what repeats, what varies, what never goes, and drill is not trap.
Measured with the drum evaluation's own structure measures on the grids the rules write."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.style_rules import RULE_GENRES, compose, generate
from training.roles.drums import structure

HAT_PIECES = [V.CLOSED_HH, V.OPEN_HH, V.HH_ROLL, V.RIDE]


def loop_repetition(genre: str, variety: float | None, seeds: int = 50, meter: str = "4/4") -> float:
    return float(np.mean([structure.loop_repetition(
        generate(genre, np.random.default_rng(s), 8, meter, fill_every=8, variety=variety)[0])
        for s in range(seeds)]))


@pytest.mark.parametrize("genre", RULE_GENRES)
def test_the_rules_loop_and_variety_loosens_the_loop(genre):
    strict, default, restless = (loop_repetition(genre, v) for v in (0.0, None, 1.0))
    assert strict == 1.0                 # every bar a copy of the loop
    assert default >= 0.85
    assert restless < default - 0.2


@pytest.mark.parametrize("meter", ["3/4", "6/8"])
def test_triple_metres_loop_too(meter):
    for genre in ("boom_bap", "trap", "house"):
        assert loop_repetition(genre, 0.0, 10, meter) == 1.0
        assert loop_repetition(genre, None, 30, meter) >= 0.85


def _hat_bars(grid) -> np.ndarray:
    return structure.bar_hits(grid)[:, :, HAT_PIECES]


@pytest.mark.parametrize("genre", RULE_GENRES)
def test_the_hat_layer_holds_through_a_phrase(genre):
    """Outside fills and variation bars, the bars of a phrase that copy one loop bar play the same
    hats; where the loop is straight 8ths or 16ths, every such bar keeps the same rate and pieces."""
    for seed in range(20):
        g = compose(genre, np.random.default_rng(seed), 8, "4/4", fill_every=8)
        hats = _hat_bars(g.grid)
        for start in range(0, 8, V.PHRASE_BARS):
            plain = [b for b in range(start, start + V.PHRASE_BARS)
                     if not g.variations[b] and not g.grid.fill_bars[b]]
            for b in plain:
                for c in plain:
                    if b < c and (c - b) % g.loop_bars == 0:
                        assert (hats[b] == hats[c]).all(), (seed, b, c)
            if genre in ("house", "techno", "lofi", "drum_and_bass"):   # no triplets or extras
                layers = {(tuple(hats[b].any(axis=0)), bool(hats[b, 1::2].any())) for b in plain}
                assert len(layers) <= 1, (seed, start, layers)


def test_a_strict_loop_keeps_one_hat_layer_for_the_whole_clip():
    for genre in ("house", "drum_and_bass", "lofi"):
        for seed in range(10):
            hats = _hat_bars(generate(genre, np.random.default_rng(seed), 8, "4/4", 0, variety=0.0)[0])
            assert all((hats[b] == hats[b % 2]).all() for b in range(8))


@pytest.mark.parametrize("genre", RULE_GENRES)
def test_the_genre_anchors_play_in_every_bar_but_fills(genre):
    """Even at full variety: four on the floor (house, techno), snare or clap on 2 and 4 (boom bap,
    lo-fi, drum and bass, house), the snare on beat 3 (trap, drill); kicks at a drummer's velocity."""
    for seed in range(24):   # with fills every 4 or 8 bars, or none (so phrase ends vary too)
        grid, _ = generate(genre, np.random.default_rng(seed), 8, "4/4", fill_every=(0, 4, 8)[seed % 3],
                           variety=1.0)
        bars = structure.bar_hits(grid)[~grid.fill_bars]
        if genre in ("house", "techno"):
            assert bars[:, [0, 4, 8, 12], V.KICK].all()
        if genre in ("boom_bap", "lofi", "drum_and_bass", "house"):
            assert bars[:, [4, 12], V.SNARE].all()
        if genre in ("trap", "drill"):
            assert bars[:, 8, V.SNARE].all()
        assert grid.velocity[grid.hits[:, V.KICK], V.KICK].min() >= 40


def _clips(genre: str, n: int) -> list:
    return [generate(genre, np.random.default_rng(s), 8, "4/4", fill_every=8) for s in range(n)]


def test_drill_is_not_trap():
    drill, trap = _clips("drill", 100), _clips("trap", 100)
    x = np.array([structure.structure_vector(g, bpm) for g, bpm in drill + trap])
    y = np.repeat([1, 0], 100)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    assert cross_val_score(model, x, y, cv=5, scoring="roc_auc").mean() >= 0.95
    # at the same seed, under half of drill's kick and snare hits are trap's
    shared = [(d.hits[:, [V.KICK, V.SNARE]] & t.hits[:, [V.KICK, V.SNARE]]).sum()
              / d.hits[:, [V.KICK, V.SNARE]].sum() for (d, _), (t, _) in zip(drill, trap, strict=True)]
    assert np.mean(shared) < 0.45


def test_drill_has_its_displaced_snare_and_triplet_hats():
    for grid, bpm in _clips("drill", 20):
        assert 138 <= bpm <= 146
        bars = structure.bar_hits(grid)[:2]   # the loop, before any variation could add snares
        late = bars[:, [3, 11, 13, 15], V.SNARE]
        assert late.any(axis=1).all() and not (late[0] == late[1]).all()   # differs bar to bar
        off = grid.offset[grid.hits[:, V.CLOSED_HH], V.CLOSED_HH]
        assert (np.abs(np.abs(off) - 0.333) < 0.1).mean() > 0.2             # in a triplet feel
    trap_kicks = {3, 6, 7, 10, 11, 14}
    kicks = [set(np.nonzero(structure.bar_hits(g)[0, :, V.KICK])[0]) - {0} for g, _ in _clips("drill", 20)]
    assert all(not k & trap_kicks for k in kicks)
