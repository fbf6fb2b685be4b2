"""The drum data pipeline on GMD-shaped fixtures made in code."""

import numpy as np
import pytest

from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.style_rules import RULE_GENRES, generate
from tests.midi_fixtures import drum_file, make_gmd_dir, rock_beat
from training.config import DrumData
from training.errors import NoTrainingData
from training.roles.drums import data as dp
from training.sources.gmd import load_gmd
from training.sources.user_midi import load_user_dir


def test_gmd_windows_fills_and_genres(tmp_path):
    gmd = make_gmd_dir(tmp_path / "gmd")
    examples = load_gmd(gmd, np.random.default_rng(0))
    beats = [e for e in examples if not e.grid.fill_bars.any()]
    fills = [e for e in examples if e.grid.fill_bars.any()]
    # 10-bar files -> windows at bars 0..8 with hop 4: one 8-bar window each (0-8), 5 files
    assert len(beats) == 5 and all(e.grid.n_bars == 8 for e in beats)
    assert {e.genre for e in examples} == {"rock", "funk", "boom_bap"}   # hiphop -> boom_bap
    assert {e.split for e in examples} == {"train", "validation"}
    # fills are spliced after 3 bars of the same drummer's beat: 4 bars, the last flagged
    assert all(e.grid.n_bars == 4 and e.grid.fill_bars.tolist() == [0, 0, 0, 1] for e in fills)
    fill_bar = fills[0].grid.bars(3, 4)
    assert fill_bar.hits[:, [V.HIGH_TOM, V.MID_TOM, V.LOW_TOM]].sum() == 16
    beat = beats[0].grid
    assert beat.hits[::4, V.KICK].sum() == 16 and beat.hits[4::8, V.SNARE].all()
    assert beat.hits[::2, V.CLOSED_HH].all()                  # TD-11 hat edge 22 -> closed hat
    assert np.abs(beat.offset[beat.hits]).max() > 0           # human microtiming kept


def test_arrays_are_aligned_and_density_is_a_percentile(tmp_path):
    examples = load_gmd(make_gmd_dir(tmp_path / "gmd"), np.random.default_rng(0))
    q = dp.density_percentiles(examples)
    a = dp.to_arrays(examples, q)
    assert a.tgt.shape == (len(examples), 128)
    n = 4 * 16
    first = examples[0].grid
    assert (a.tgt[0, :first.n_steps] == first.tokens()).all()
    assert (a.inp[0, 1:first.n_steps] == a.tgt[0, :first.n_steps - 1]).all()
    assert a.inp[0, 0] == V.BOS
    short = next(i for i, e in enumerate(examples) if e.grid.n_bars == 4)
    assert (a.tgt[short, n:] == -1).all()
    assert ((a.vel >= 0) == (a.off >= 0)).all()
    assert 0.0 <= a.density.min() and a.density.max() <= 1.0


def test_user_midi_is_read_by_genre_folder(tmp_path):
    rng = np.random.default_rng(1)
    for i in range(3):
        drum_file(tmp_path / "user" / "trap" / f"{i}.mid", rock_beat(8, rng), bpm=140,
                  length_beats=32)
    drum_file(tmp_path / "user" / "polka" / "x.mid", rock_beat(8, rng), length_beats=32)
    examples = load_user_dir(tmp_path / "user")
    assert len(examples) == 3 and {e.genre for e in examples} == {"trap"}
    assert all(abs(e.bpm - 140) < 1e-3 for e in examples)


def test_no_data_says_where_to_put_midi(tmp_path):
    with pytest.raises(NoTrainingData, match="drop General MIDI drum files into"):
        dp.collect_examples(DrumData(gmd_dir=str(tmp_path / "nothing"), user_dir=str(tmp_path / "empty")))


@pytest.mark.parametrize("genre", RULE_GENRES)
def test_style_rules_make_the_genres_signature(genre):
    rng = np.random.default_rng(7)
    for _ in range(5):
        grid, bpm = generate(genre, rng, 8, "4/4", fill_every=4)
        assert grid.fill_bars.tolist() == [0, 0, 0, 1, 0, 0, 0, 1]
        lo, hi = {"trap": (130, 150), "drill": (138, 146), "boom_bap": (84, 98),
                  "lofi": (70, 90), "house": (118, 128), "techno": (124, 140),
                  "drum_and_bass": (165, 178)}[genre]
        assert lo <= bpm <= hi
        groove = grid.bars(0, 3)
        kick = groove.hits[:, V.KICK].reshape(3, 16)
        snare = groove.hits[:, V.SNARE].reshape(3, 16)
        if genre in ("house", "techno"):
            assert kick[:, ::4].all()                           # four on the floor
        if genre in ("trap", "drill"):
            assert snare[:, 8].all() and kick[0, 0]             # half-time backbeat
        if genre == "trap":
            assert kick[:, 0].all()   # drill's second loop bar may leave 1 to the sliding 808
        if genre in ("boom_bap", "lofi", "drum_and_bass"):
            assert snare[:, 4].all() and snare[:, 12].all() and kick[:, 0].all()
        if genre == "drum_and_bass":
            assert (kick[:, 10] | kick[:, 11]).all()


def test_trap_rules_make_hat_rolls_and_triplets():
    rng = np.random.default_rng(3)
    grids = [generate("trap", rng, 8, "4/4", 0, density=0.9)[0] for _ in range(10)]
    assert sum(g.hits[:, V.HH_ROLL].sum() for g in grids) > 5
    assert all(set(np.unique(g.roll_div)) <= {0, 2, 3} for g in grids)
    offsets = np.concatenate([g.offset[g.hits[:, V.CLOSED_HH], V.CLOSED_HH] for g in grids])
    assert (np.abs(offsets - 0.333) < 0.1).sum() > 3            # 8th-note triplet hats


def test_rules_support_triple_metres():
    grid, _ = generate("house", np.random.default_rng(0), 4, "6/8", 0)
    assert grid.n_steps == 48 and grid.hits[::12, V.KICK].all() and grid.hits[6::12, V.SNARE].all()
