"""Drum parts are loops (issue 13), checked on the MIDI /generate/drums returns, on the shipped
checkpoint: repetition at the defaults and under `variety`, four on the floor and the backbeat at
every tempo, kick velocities, and swing on the genre's grid."""

import numpy as np
import pytest

from beatengine.roles.drums.loop import COPY, FREE, KEEP_SKELETON, plan
from tests.conftest import CONSENT, decode_midi

KICK, SNARES, HATS = 36, {38, 39, 40}, {42, 44, 46}
TICKS_PER_STEP = 120   # a 16th at the service's 480 ticks per beat


def _part(client, **fields) -> dict:
    r = client.post("/generate/drums", json={"consent": CONSENT, "humanize": 0, **fields})
    assert r.status_code == 200, r.text
    return r.json()


def _onsets(variation: dict) -> list[tuple[int, int, int]]:
    """(pitch, tick, velocity) of every note-on in the returned MIDI."""
    out = []
    for track in decode_midi(variation).tracks:
        tick = 0
        for m in track:
            tick += m.time
            if m.type == "note_on" and m.velocity:
                out.append((m.note, tick, m.velocity))
    return out


def _skeleton(variation: dict, bars: int) -> np.ndarray:
    """(bars, 2, 16) bool: kick and snare per 16th of each 4/4 bar (humanize 0: on the grid)."""
    grid = np.zeros((bars, 2, 16), bool)
    for pitch, tick, _ in _onsets(variation):
        if pitch == KICK or pitch in SNARES:
            assert tick % TICKS_PER_STEP == 0, "humanize 0 puts every hit on the grid"
            step = tick // TICKS_PER_STEP
            grid[step // 16, 0 if pitch == KICK else 1, step % 16] = True
    return grid


def _repetition(grid: np.ndarray, fill_bars: list[int]) -> float:
    """Share of the non-fill bars 3.. (index 2..) equal in kick+snare to the bar one or two before."""
    same = [(grid[b] == grid[b - 1]).all() or (grid[b] == grid[b - 2]).all()
            for b in range(2, len(grid)) if b not in fill_bars]
    return float(np.mean(same))


@pytest.mark.parametrize("genre", ["trap", "drill", "boom_bap", "lofi", "house", "techno",
                                   "drum_and_bass"])
def test_programmed_genres_loop_at_the_defaults(client, genre):
    reps = []
    for seed in range(12):
        body = _part(client, genre=genre, bars=8, seed=seed)
        reps.append(_repetition(_skeleton(body["variations"][0], 8), body["params"]["fill_bars"]))
    assert np.mean(reps) >= 0.75, reps


def test_variety_zero_repeats_the_loop_exactly_and_one_does_not(client):
    def bars_equal_to_the_loop(variety: float, seed: int) -> float:
        body = _part(client, genre="rock", bars=8, fills=0, seed=seed, variety=variety)
        assert body["params"]["variety"] == variety and body["params"]["loop_bars"] == 2
        g = _skeleton(body["variations"][0], 8)
        return float(np.mean([(g[b] == g[b % 2]).all() for b in range(2, 8)]))

    assert all(bars_equal_to_the_loop(0.0, s) == 1.0 for s in range(4))
    assert np.mean([bars_equal_to_the_loop(1.0, s) for s in range(4)]) < 0.5


def test_default_variety_is_the_genres_and_is_reported(client):
    trap = _part(client, genre="trap", bars=4, seed=1)["params"]
    rock = _part(client, genre="rock", bars=4, seed=1)["params"]
    assert 0 <= trap["variety"] < rock["variety"] <= 1     # programmed beats vary less
    assert _part(client, genre="house", bars=4, seed=1)["params"]["loop_bars"] == 1


@pytest.mark.parametrize("bpm", [100, 124, 142, 160])
@pytest.mark.parametrize("genre", ["house", "techno"])
def test_four_on_the_floor_in_every_non_fill_bar_at_every_tempo(client, genre, bpm):
    body = _part(client, genre=genre, bpm=bpm, bars=8, fills=4, seed=bpm, variety=1.0,
                 variations=2)
    fills = body["params"]["fill_bars"]
    assert fills == [3, 7]
    for v in body["variations"]:
        g = _skeleton(v, 8)
        for bar in range(8):
            beats = g[bar, 0, ::4]
            assert beats.all() if bar not in fills else beats[0], (bar, beats)


@pytest.mark.parametrize("genre", ["rock", "boom_bap", "lofi", "drum_and_bass", "house"])
def test_backbeat_in_every_non_fill_bar(client, genre):
    body = _part(client, genre=genre, bars=8, seed=2, variety=1.0, variations=3)
    for v in body["variations"]:
        g = _skeleton(v, 8)
        for bar in set(range(8)) - set(body["params"]["fill_bars"]):
            assert g[bar, 1, 4] and g[bar, 1, 12], (genre, bar)


def test_kicks_stay_in_a_drummers_velocity_range(client):
    for genre in ("jazz", "funk", "latin"):
        body = _part(client, genre=genre, bars=8, seed=4, variations=4, humanize=0.5)
        kicks = [vel for v in body["variations"] for p, _, vel in _onsets(v) if p == KICK]
        assert kicks and min(kicks) >= 9, (genre, min(kicks))


def _hat_steps(client, **fields) -> list[tuple[int, float]]:
    """(straight step, position in steps when swung) of every hat hit."""
    fields = {**fields, "exclude": ["hh_roll"]}     # a roll spreads several hits over a step
    v = _part(client, bars=2, fills=0, seed=5, **fields)["variations"][0]
    straight = sorted(t // TICKS_PER_STEP for p, t, _ in _onsets(_part(
        client, bars=2, fills=0, seed=5, **{**fields, "swing": 0})["variations"][0]) if p in HATS)
    swung = sorted(t / TICKS_PER_STEP for p, t, _ in _onsets(v) if p in HATS)
    # the clip's last 16th cannot move later: every note stays inside the clip
    return [(s, pos) for s, pos in zip(straight, swung, strict=True) if s < 31]


def test_swing_on_the_8th_grid_moves_the_off_beat_8ths(client):
    hats = _hat_steps(client, genre="boom_bap", bpm=90, swing=0.6)    # boom bap swings 8ths
    assert any(s % 4 == 2 for s, _ in hats), hats
    for s, pos in hats:
        if s % 4 == 2:
            assert pos == pytest.approx(s + 0.6, abs=0.01)              # 0.6 of a 16th later
        if s % 4 == 0:
            assert pos == s                                             # downbeats stay


def test_swing_grid_16_moves_only_the_odd_16ths(client):
    hats = _hat_steps(client, genre="boom_bap", bpm=90, swing=0.6, swing_grid=16)
    for s, pos in hats:
        assert pos == pytest.approx(s + (0.3 if s % 2 else 0.0), abs=0.01)


@pytest.mark.parametrize("fields", [{"variety": 1.5}, {"variety": -0.1}, {"swing_grid": 12},
                                    {"swing_grid": "8"}])
def test_bad_variety_or_swing_grid_is_a_422_naming_the_field(client, fields):
    r = client.post("/generate/drums", json={"consent": CONSENT, "genre": "trap", **fields})
    assert r.status_code == 422
    assert next(iter(fields)) in r.text


def test_plan_copies_the_loop_and_plays_loop_and_fill_bars_freely():
    rng = np.random.default_rng(0)
    fills = np.array([False, False, False, True, False, False, False, False])
    p = plan(8, 16, fills, 2, 0.0, 3, rng)
    bar = np.arange(128) // 16
    assert (p.mode[:, bar < 2] == FREE).all() and (p.mode[:, bar == 3] == FREE).all()
    repeated = (bar >= 2) & (bar != 3)
    assert (p.source[repeated] == (bar[repeated] % 2) * 16 + np.arange(128)[repeated] % 16).all()
    first_steps = repeated & (np.arange(128) % 16 == 0)
    assert (p.mode[:, first_steps] == KEEP_SKELETON).all()       # a crash only at phrase starts
    assert (p.mode[:, repeated & ~first_steps] == COPY).all()     # variety 0: an exact loop
    free = plan(8, 16, fills, 2, 1.0, 3, rng).mode
    assert (free == FREE).all()                                    # variety 1: every bar afresh
