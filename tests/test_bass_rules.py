"""Rule-made basslines: the harmony rules for every genre and meter, and each genre's character."""


import numpy as np
import pytest

from beatengine.genres import GENRE_NAMES
from beatengine.midi_io import Note
from beatengine.roles.bassline.rules import RULE_GENRES, bassline
from beatengine.theory import QUALITIES, Chord, parse_chord

METERS = ("4/4", "3/4", "6/8")
BAR = {"4/4": 4.0, "3/4": 3.0, "6/8": 3.0}
PULSES = {"4/4": (0.0, 1.0, 2.0, 3.0), "3/4": (0.0, 1.0, 2.0), "6/8": (0.0, 1.5)}
EPS = 1e-6

Progression = list[tuple[float, float, Chord]]


def progression(meter: str, split: bool = False) -> Progression:
    """Am F C/E G, a bar each; `split` puts two chords in the middle bars, and a chord over two bars."""
    spec = ([("Am", 1), ("F", 0.5), ("Dm7", 0.5), ("C/E", 0.5), ("G7", 0.5), ("Am", 2)] if split
            else [("Am", 1), ("F", 1), ("C/E", 1), ("G", 1)])
    out, t = [], 0.0
    for symbol, bars in spec:
        out.append((t, bars * BAR[meter], parse_chord(symbol)))
        t += bars * BAR[meter]
    return out


def near(x: float, y: float) -> bool:
    return abs(x - y) < EPS


def on_grid(x: float, unit: float) -> bool:
    return near(x / unit, round(x / unit))


def weak_16th(pos: float, meter: str) -> bool:
    """On the 16th grid, off the quarter beats and off the meter's pulses."""
    return on_grid(pos, 0.25) and not on_grid(pos, 1.0) and not any(near(pos, p) for p in PULSES[meter])


def chord_index(prog: Progression, t: float) -> int:
    return max(i for i, (s, _, _) in enumerate(prog) if s <= t + EPS)


def check_rules(notes: list[Note], prog: Progression, meter: str, low: int = 28, high: int = 55) -> None:
    end = prog[-1][0] + prog[-1][1]
    assert notes, "a bassline has notes"
    assert [n.start for n in notes] == sorted(n.start for n in notes)
    for n in notes:
        i = chord_index(prog, n.start)
        start, _, chord = prog[i]
        pos = n.start % BAR[meter]
        assert low <= n.pitch <= high and 1 <= n.velocity <= 127
        assert n.duration > 0 and n.start + n.duration <= end + EPS
        if near(pos, 0) or near(pos, BAR[meter]) or near(n.start, start):
            assert n.pitch % 12 == chord.bass_pc, (n, chord.symbol)
        elif n.pitch % 12 not in chord.pitch_classes:
            assert weak_16th(pos, meter), (n, chord.symbol)
            # an approach or passing tone: a step from the next chord's bass (the progression loops)
            target = prog[(i + 1) % len(prog)][2].bass_pc
            assert min((n.pitch - target) % 12, (target - n.pitch) % 12) in (1, 2), (n, chord.symbol)


def run(genre: str, meter: str = "4/4", seed: int = 0, split: bool = False, **kw) -> list[Note]:
    kw.setdefault("kicks", None)
    return bassline(genre, progression(meter, split), rng=np.random.default_rng(seed), meter=meter, **kw)


def test_every_genre_has_rules():
    assert set(RULE_GENRES) == set(GENRE_NAMES)


@pytest.mark.parametrize("meter", METERS)
@pytest.mark.parametrize("genre", RULE_GENRES)
def test_harmony_rules_hold_in_every_genre_and_meter(genre, meter):
    for seed in range(4):
        for split in (False, True):
            for density in (0.1, 0.5, 0.9):
                check_rules(run(genre, meter, seed, split, density=density), progression(meter, split), meter)


@pytest.mark.parametrize("genre", RULE_GENRES)
def test_rules_hold_with_given_kicks_and_a_narrow_range(genre):
    rng = np.random.default_rng(7)
    for meter in METERS:
        prog = progression(meter, split=True)
        end = prog[-1][0] + prog[-1][1]
        kicks = sorted({*(rng.integers(0, int(end * 4), 20) / 4), 1 / 3, end - 0.01, 5.02})  # some off-grid
        notes = bassline(genre, prog, kicks, np.random.default_rng(1), meter, low=36, high=50)
        check_rules(notes, prog, meter, low=36, high=50)


def test_rules_hold_over_random_progressions():
    """Any qualities, slash basses, chord lengths, ranges, kicks and densities."""
    r = np.random.default_rng(11)
    qualities = list(QUALITIES)
    for it in range(300):
        meter, genre = METERS[it % 3], RULE_GENRES[it % len(RULE_GENRES)]
        prog, t = [], 0.0
        for _ in range(int(r.integers(1, 7))):
            bass = int(r.integers(12)) if r.random() < 0.2 else None
            chord = Chord(int(r.integers(12)), qualities[int(r.integers(len(qualities)))], bass)
            prog.append((t, float(r.choice([0.5, 0.75, 1, 1.5, 2, 3, 4, 6])), chord))
            t += prog[-1][1]
        low = int(r.integers(20, 50))
        high = low + int(r.integers(11, 30))
        kicks = None if r.random() < 0.5 else list(r.uniform(-1, t + 1, int(r.integers(0, 30))))
        notes = bassline(genre, prog, kicks, np.random.default_rng(it), meter, low, high, float(r.random()))
        if notes:
            check_rules(notes, prog, meter, low, high)


@pytest.mark.parametrize("genre", RULE_GENRES)
def test_deterministic_for_a_seed(genre):
    for meter in METERS:
        assert run(genre, meter, seed=3) == run(genre, meter, seed=3)
    assert any(run(genre, seed=s) != run(genre, seed=0) for s in range(1, 6))


@pytest.mark.parametrize("genre", RULE_GENRES)
def test_density_scales_busyness(genre):
    for meter in METERS:
        sparse = sum(len(run(genre, meter, s, density=0.1)) for s in range(8))
        busy = sum(len(run(genre, meter, s, density=0.9)) for s in range(8))
        assert sparse < busy, (meter, sparse, busy)


def test_monophonic_except_808_glides():
    """Notes never overlap, except a glide: the 32nd overlap of an 808 sliding to another pitch."""
    glides = {}
    for genre in RULE_GENRES:
        glides[genre] = 0
        for seed in range(6):
            notes = run(genre, seed=seed)
            for a, b in zip(notes, notes[1:], strict=False):
                overlap = a.start + a.duration - b.start
                if overlap > EPS:
                    assert genre in ("trap", "drill") and near(overlap, 0.125) and a.pitch != b.pitch
                    glides[genre] += 1
    assert glides["drill"] > glides["trap"] > 0


def test_house_plays_the_off_beats():
    for meter in METERS:
        notes = [n for s in range(5) for n in run("house", meter, s)]
        if meter == "6/8":
            off = [n for n in notes if not any(near(n.start % 3, p) for p in PULSES[meter])]
        else:
            off = [n for n in notes if near(n.start % 1, 0.5)]
        assert len(off) >= 0.85 * len(notes)


def test_sub_bass_roots_on_downbeats_are_in_the_low_octave():
    for genre in ("trap", "drill", "drum_and_bass"):
        for n in run(genre, seed=2):
            if on_grid(n.start, 4.0):
                assert n.pitch - 28 < 12


def test_trap_has_fewer_longer_notes_than_funk():
    trap = [n for s in range(5) for n in run("trap", seed=s)]
    funk = [n for s in range(5) for n in run("funk", seed=s)]
    assert len(trap) < len(funk)
    assert np.mean([n.duration for n in trap]) > 2 * np.mean([n.duration for n in funk])


def test_funk_has_16th_syncopation_and_ghost_notes():
    for seed in range(5):
        notes = run("funk", seed=seed)
        assert any(not on_grid(n.start, 0.5) for n in notes)
        assert notes[0].start == 0 and notes[0].pitch % 12 == 9   # the root on the one
    notes = [n for s in range(5) for n in run("funk", seed=s)]
    assert any(n.velocity < 55 and n.duration < 0.1 for n in notes)


def test_rock_drives_8ths_of_root_and_fifth():
    prog = progression("4/4")
    notes = [n for s in range(5) for n in run("rock", seed=s)]
    assert all(on_grid(n.start, 0.5) for n in notes)
    root_fifth = 0
    for n in notes:
        chord = prog[chord_index(prog, n.start)][2]
        root_fifth += n.pitch % 12 in (chord.bass_pc, chord.root, (chord.root + 7) % 12)
    assert root_fifth >= 0.85 * len(notes)
    assert len(notes) / 5 >= 24   # most 8ths of the 4 bars are played
    assert len([n for s in range(5) for n in run("pop", seed=s)]) < len(notes)   # pop is sparser


@pytest.mark.parametrize("genre", ["trap", "drill"])
def test_808_follows_the_given_kicks(genre):
    prog = progression("4/4", split=True)
    kicks = [0.0, 0.75, 1.5, 2.75, 4.0, 5.75, 6.5, 8.0, 9.0, 10.75, 12.0, 13.5, 14.75, 17.5, 19.0]
    starts = {s for s, _, _ in prog}
    for seed in range(5):
        onsets = {n.start for n in bassline(genre, prog, kicks, np.random.default_rng(seed))}
        assert onsets <= set(kicks) | starts
        assert starts <= onsets   # the 808 re-triggers at every chord change


def test_jazz_walks_quarters_into_the_next_root():
    notes = [n for s in range(5) for n in run("jazz", seed=s, density=0.7)]
    assert sum(on_grid(n.start, 1.0) for n in notes) >= 0.85 * len(notes)
    assert len(notes) >= 5 * 14   # about four notes a bar


def test_reggae_leaves_beat_one_empty_and_latin_plays_the_tumbao():
    for seed in range(5):
        assert not any(on_grid(n.start, 4.0) for n in run("reggae", seed=seed))
        starts = [n.start for n in run("latin", seed=seed)]
        for bar in range(4):
            assert 4 * bar + 1.5 in starts and 4 * bar + 3.0 in starts


def test_unknown_genre_and_bad_input_are_refused_by_name():
    prog = progression("4/4")
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="polka"):
        bassline("polka", prog, None, rng)
    with pytest.raises(ValueError, match="5/4"):
        bassline("rock", prog, None, rng, meter="5/4")
    with pytest.raises(ValueError, match="contiguous"):
        bassline("rock", [(0, 4, parse_chord("C")), (5, 4, parse_chord("G"))], None, rng)
    with pytest.raises(ValueError, match="range"):
        bassline("rock", prog, None, rng, low=40, high=45)
    with pytest.raises(ValueError, match="density"):
        bassline("rock", prog, None, rng, density=1.5)
