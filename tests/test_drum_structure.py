"""The structure measures of the drum evaluation on grids made here, whose answers are known."""

import numpy as np
import pytest

from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.grid import DrumGrid
from training.evaluation import measures
from training.roles.drums import structure
from training.roles.drums.features import FEATURE_NAMES, clip_features


def grid_of(bars: list[dict[int, list[int]]], meter: str = "4/4", velocity: int = 100) -> DrumGrid:
    """A grid from one {piece: [steps]} per bar, every hit at `velocity`."""
    grid = DrumGrid.empty(meter, len(bars))
    for b, bar in enumerate(bars):
        for piece, steps in bar.items():
            for s in steps:
                grid.hits[b * grid.steps_per_bar + s, piece] = True
                grid.velocity[b * grid.steps_per_bar + s, piece] = velocity
    return grid


BEAT = {V.KICK: [0, 10], V.SNARE: [4, 12], V.CLOSED_HH: list(range(0, 16, 2))}
OTHER_BARS = [{V.KICK: [0, 6, 9], V.SNARE: [4, 14]}, {V.KICK: [2, 8], V.SNARE: [12]},
              {V.KICK: [0, 3, 11], V.SNARE: [4, 7, 12]}]


def test_a_one_bar_loop_repeats_and_a_shuffled_one_does_not():
    loop = grid_of([BEAT] * 8)
    assert structure.loop_repetition(loop) == 1.0
    assert structure.skeleton_similarity(loop) == 1.0
    shuffled = grid_of([BEAT, *OTHER_BARS, BEAT, *OTHER_BARS[::-1]])
    assert structure.loop_repetition(shuffled) < 0.5
    assert structure.skeleton_similarity(shuffled) < 0.7


def test_a_two_bar_loop_repeats_too():
    assert structure.loop_repetition(grid_of([BEAT, OTHER_BARS[0]] * 4)) == 1.0


def test_fill_bars_do_not_count_against_the_loop():
    grid = grid_of([BEAT] * 7 + [OTHER_BARS[2]])
    assert structure.loop_repetition(grid) < 1.0
    grid.fill_bars[7] = True
    assert structure.loop_repetition(grid) == 1.0


def test_skeleton_similarity_ignores_quiet_hits_and_takes_the_better_neighbour():
    ghost = grid_of([BEAT] * 4)
    ghost.hits[16 + 7, V.SNARE], ghost.velocity[16 + 7, V.SNARE] = True, 30   # a ghost note, bar 2
    assert structure.skeleton_similarity(ghost) == 1.0
    # bars 1, 3 alike, bar 2 different: bar 3 matches the bar two before
    abab = grid_of([BEAT, {V.KICK: [0, 8], V.SNARE: [4, 12]}, BEAT])
    # kick+snare of BEAT: 4 hits, of the other 4, sharing 3: Jaccard 3/5; then bar 3 = bar 1
    assert structure.skeleton_similarity(abab) == pytest.approx((3 / 5 + 1.0) / 2)


def test_four_on_the_floor_and_backbeat():
    floor = grid_of([{V.KICK: [0, 4, 8, 12], V.SNARE: [4, 12]}] * 4)
    assert structure.four_on_the_floor_share(floor) == 1.0
    assert structure.backbeat_share(floor) == 1.0
    half_time = grid_of([{V.KICK: [0, 10], V.SNARE: [8]}, {V.KICK: [0, 4, 8, 12], V.SNARE: [4]}])
    assert structure.four_on_the_floor_share(half_time) == 0.5
    assert structure.backbeat_share(half_time) == 0.0
    assert np.isnan(structure.backbeat_share(grid_of([{V.SNARE: [4]}], meter="3/4")))


def test_onset_profile_is_the_share_of_bars_hit_at_each_16th():
    grid = grid_of([BEAT, {V.KICK: [0, 8]}])
    profile = structure.onset_profile(grid, (V.KICK,))
    assert profile[0] == 1.0 and profile[8] == 0.5 and profile[10] == 0.5 and profile.sum() == 2.0
    hats = structure.onset_profile(grid, structure.PROFILE_PIECES["hats"])
    assert hats[::2].tolist() == [0.5] * 8 and hats[1::2].sum() == 0


def test_kick_microtiming_in_ms_and_velocity_per_piece():
    grid = grid_of([BEAT] * 2)
    grid.offset[grid.hits[:, V.KICK], V.KICK] = -0.25
    # a 16th at 120 bpm lasts 125 ms: a quarter of it early is -31.25 ms
    assert structure.kick_offset_ms(grid, 120.0) == pytest.approx(-31.25)
    grid.velocity[grid.hits[:, V.SNARE], V.SNARE] = 60
    m = structure.measures(grid, 120.0)
    assert m["kick_velocity"] == 100 and m["snare_velocity"] == 60 and m["toms_velocity"] == 0
    assert m["kick_per_bar"] == 2 and m["snare_per_bar"] == 2 and m["toms_per_bar"] == 0


def test_the_feature_vector_names_every_column_and_has_no_gaps():
    x = clip_features(grid_of([{V.SNARE: [4]}], meter="3/4"), 90.0)
    assert x.shape == (len(FEATURE_NAMES),) and np.isfinite(x).all()


def test_genre_table_puts_real_beside_generated():
    loop, wander = grid_of([BEAT] * 8), grid_of([BEAT, *OTHER_BARS, BEAT, *OTHER_BARS])
    table = structure.genre_table({"real_a": [("rock", structure.measures(loop, 100.0))],
                                   "model": [("rock", structure.measures(wander, 100.0))] * 2})
    assert table["rock"]["real_a"]["loop_repetition"] == 1.0
    assert table["rock"]["model"]["loop_repetition"] < 0.5 and table["rock"]["model"]["clips"] == 2
    assert table["rock"]["real_a"]["kick_per_bar"] == 2.0


def test_the_nonlinear_c2st_sees_what_the_linear_one_cannot():
    """Real: two features of the same sign; generated: of opposite signs. Both classes have the same
    means and variances, so a linear classifier is blind, gradient-boosted trees are not."""
    rng = np.random.default_rng(3)
    real = np.abs(rng.normal(size=(300, 2))) * rng.choice([-1, 1], size=(300, 1))
    fake = np.abs(rng.normal(size=(300, 2))) * np.array([1, -1]) * rng.choice([-1, 1], size=(300, 1))
    groups = [str(i) for i in range(300)]
    assert measures.c2st_auc(real, fake, groups, groups, classifier="linear") < 0.65
    assert measures.c2st_auc(real, fake, groups, groups, classifier="boosting") > 0.9
    a, b = rng.normal(size=(300, 4)), rng.normal(size=(300, 4))
    assert 0.35 < measures.c2st_auc(a, b, groups, groups, classifier="boosting") < 0.65
