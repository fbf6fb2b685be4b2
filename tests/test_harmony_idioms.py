"""Progressions that loop and hold the key, basslines and melodies in their genre's idiom (issue
14), through the real app on the shipped checkpoints. Every check decodes the MIDI that came back."""

import itertools

import numpy as np
import pytest

from beatengine.midi_io import Note
from beatengine.roles.chords import styles
from beatengine.roles.chords import vocab as CV
from beatengine.roles.chords.generator import ChordGenerator, ChordParams
from beatengine.roles.lines import rhythm
from beatengine.theory import Key, parse_chord, parse_key
from tests.conftest import decode_midi
from tests.test_api_harmony import notes_of, post

FOLLOW = ["Am", "F", "C", "G"]


def bar_symbols(v: dict, bars: int, beats: int = 4) -> list[tuple]:
    """Per bar, the (offset, symbol) of every chord sounding in it."""
    return [tuple((max(c["start"], b * beats) - b * beats, c["symbol"]) for c in v["chords"]
                  if c["start"] < (b + 1) * beats and c["start"] + c["beats"] > b * beats)
            for b in range(bars)]


def made(client, role: str, **body) -> tuple[dict, list[tuple[float, int, float]]]:
    r = post(client, role, **body)
    assert r.status_code == 200, r.text
    v = r.json()["variations"][0]
    return r.json(), notes_of(decode_midi(v))


@pytest.mark.parametrize("genre", ["trap", "drill", "house", "techno", "lofi"])
def test_loop_genres_cycle_their_progression(client, genre):
    for seed in range(4):
        body, _ = made(client, "chords", genre=genre, key="A minor", bars=8, seed=seed)
        bars = bar_symbols(body["variations"][0], 8)
        loop = body["params"]["loop_bars"]
        assert loop == styles.style_of(genre).loop_bars
        assert all(bars[b] == bars[b - loop] for b in range(loop, 8)), bars


def test_song_genres_repeat_their_line_about_half_the_time(client):
    for genre in ("pop", "rock"):
        repeats = [bar_symbols(made(client, "chords", genre=genre, key="C major", bars=8,
                                    seed=s)[0]["variations"][0], 8) for s in range(16)]
        share = np.mean([b[:4] == b[4:] for b in repeats])
        assert 0.3 <= share < 1.0, (genre, share)       # Billboard: about half


def test_loop_bars_is_honoured_and_the_loop_holds_its_tonic(client):
    for seed in range(4):
        body, _ = made(client, "chords", genre="trap", key="E minor", bars=8, loop_bars=2,
                       seed=seed)
        bars = bar_symbols(body["variations"][0], 8)
        assert bars[:2] * 4 == bars, bars
        assert any(parse_chord(s).root == 4 for bar in bars[:2] for _, s in bar)   # E somewhere


@pytest.mark.parametrize("mode", ["major", "minor", "dorian", "mixolydian", "phrygian"])
def test_every_chord_note_is_in_the_key_by_default(client, mode):
    key = parse_key(f"D {mode}")
    for genre, complexity in itertools.product(("trap", "lofi", "jazz", "rock", "house"),
                                               (0.0, 1.0)):
        body, notes = made(client, "chords", genre=genre, key=str(key), bars=4,
                           complexity=complexity)
        assert {p % 12 for _, p, _ in notes} <= set(key.scale), (genre, complexity, body)
        assert body["params"]["chromaticism"] == 0


def test_a_mode_gets_its_characteristic_chord(client):
    """D dorian's G major, G mixolydian's F major: the chord that makes the mode."""
    for key, root in (("D dorian", 7), ("G mixolydian", 5)):
        chords = [parse_chord(c["symbol"]) for s in range(6) for c in made(
            client, "chords", genre="pop", key=key, bars=8, seed=s)[0]["variations"][0]["chords"]]
        assert any(c.root == root and 4 in c.intervals for c in chords), (key, chords)


def test_chromaticism_admits_borrowed_chords(client):
    key = parse_key("C major")
    out_of_key = 0
    for seed in range(8):
        _, notes = made(client, "chords", genre="rock", key="C major", bars=8, chromaticism=1.0,
                        seed=seed)
        out_of_key += any(p % 12 not in key.scale for _, p, _ in notes)
    assert out_of_key >= 2


def test_trap_and_lofi_differ_for_the_same_key_and_seed(client):
    same = 0
    for key, seed in itertools.product(("A minor", "C major"), range(5)):
        a, b = (made(client, "chords", genre=g, key=key, bars=8, seed=seed)[0]["variations"][0]
                for g in ("trap", "lofi"))
        same += [c["symbol"] for c in a["chords"]] == [c["symbol"] for c in b["chords"]]
    assert same <= 1


@pytest.mark.parametrize("bad", [{"loop_bars": 3}, {"loop_bars": "2"}, {"loop_bars": 2.0},
                                 {"chromaticism": 1.5}, {"complexity": -0.1}])
def test_bad_harmony_controls_are_422(client, bad):
    r = post(client, "chords", key="A minor", **bad)
    assert r.status_code == 422 and next(iter(bad)) in r.text


def onsets_in_16ths(notes) -> np.ndarray:
    return np.array([int(round(s * 4)) for s, _, _ in notes])


def test_house_bass_plays_off_the_beat_and_starts_on_the_root(client):
    for seed in range(3):
        _, notes = made(client, "bassline", genre="house", bars=8, chords=FOLLOW, seed=seed)
        t = onsets_in_16ths(notes)
        assert np.mean(t % 4 == 2) >= 0.6
        roots = [9, 5, 0, 7]
        for bar in range(8):
            first = min((s, p) for s, p, _ in notes if bar * 4 <= s < bar * 4 + 4)
            assert first[1] % 12 == roots[bar % 4]


def test_jazz_bass_walks(client):
    for seed in range(3):
        _, notes = made(client, "bassline", genre="jazz", bars=8, chords=["Dm7", "G7", "Cmaj7", "A7"],
                        seed=seed)
        t = onsets_in_16ths(notes)
        bars = [sorted(t[(t >= b * 16) & (t < b * 16 + 16)] % 16) for b in range(8)]
        assert np.mean([b == [0, 4, 8, 12] for b in bars]) >= 0.9
        moves = np.abs(np.diff([p for _, p, _ in notes]))
        assert np.mean(moves[moves > 0] <= 2) >= 0.5
        assert np.mean(moves == 0) <= 0.15                     # a walking line does not stand still


def test_reggae_bass_leaves_beat_one_empty(client):
    for seed in range(3):
        _, notes = made(client, "bassline", genre="reggae", bars=8, chords=FOLLOW, seed=seed)
        sounding_on_one = [any(s <= b * 4 < s + d - 1e-6 for s, _, d in notes) for b in range(8)]
        assert np.mean(sounding_on_one) <= 0.2


def test_locked_bass_sounds_on_the_kicks_own_tick(client):
    """A kick played 20 ms late: the bass note struck with it is just as late."""
    late = 0.04      # beats (20 ms at 120 bpm)
    kicks = [{"pitch": 36, "start": b * 4 + off + late, "duration": 0.25, "velocity": 100}
             for b in range(4) for off in (0.0, 2.5)]
    _, notes = made(client, "bassline", genre="pop", bars=4, bpm=120, chords=FOLLOW, drums=kicks)
    starts = {round(s, 3) for s, _, _ in notes}
    assert {round(b * 4 + late, 3) for b in range(4)} <= starts     # the downbeat roots
    assert not any(abs(s - round(s * 4) / 4) > 1e-6 and abs(s - late - round((s - late) * 4) / 4) > 1e-6
                   for s in starts)                                  # on the grid or with a kick


def test_an_808_struck_again_on_an_early_kick_is_not_cut_short(client):
    """Trap kicks a little early: the 808 on each kick sounds with it, and a note struck again
    while the one before still rings ends that one there. The decoded MIDI holds every note of
    the JSON at its full length (an overlap of one pitch would end the new note at once)."""
    early = -0.02
    kicks = [{"pitch": 36, "start": max(0.0, b * 4 + off + early), "duration": 0.25,
              "velocity": 100} for b in range(4) for off in (0.0, 1.5, 2.5)]
    for seed in range(4):
        r = post(client, "bassline", genre="trap", bars=4, bpm=140, chords=FOLLOW, drums=kicks,
                 seed=seed)
        v = r.json()["variations"][0]
        sent = sorted((round(n["start"], 3), n["pitch"], n["duration"]) for n in v["tracks"][0]["notes"])
        for (s1, p1, d1), (s2, p2, _) in itertools.pairwise(sent):
            assert not (p1 == p2 and s1 + d1 > s2 + 1e-6), (s1, d1, s2)
        decoded = notes_of(decode_midi(v))
        assert len(decoded) == len(sent) and min(d for _, _, d in decoded) >= 0.1


def test_bass_holds_only_the_root_into_a_bar_or_a_change(client):
    """At every bar line and chord change the bass strikes the chord's bass note or holds it from
    before (real bass lines tie the root over a bar line); never another note held into it. Over
    a progression that repeats its chords, some pop lines do tie."""
    chords = ["C", "C", "Am", "Am", "F", "F", "G", "G"]
    ties = 0
    for seed in range(12):
        _, notes = made(client, "bassline", genre="pop", bars=8, chords=chords, seed=seed)
        for bar, symbol in enumerate(chords):
            t, root = bar * 4, parse_chord(symbol).bass_pc
            struck = [p for s, p, _ in notes if abs(s - t) < 1e-6]
            held = [p for s, p, d in notes if s < t - 1e-6 and s + d > t + 1e-6]
            assert struck or held, (seed, bar)
            assert min(struck or held) % 12 == root, (seed, bar, struck, held)
            ties += not struck
    assert ties > 0


def test_lines_are_articulated_like_a_player_unless_humanize_is_off(client):
    """At the default humanize a pop melody's notes end before the next one starts (a median
    0.7-0.9 of the gap, as held-out POP909 melodies: 0.76) and lengths are off the 16th grid; with
    humanize 0 they keep the grid's lengths; a trap 808 still sustains into its glides."""
    def ratios(notes):
        notes = sorted(notes)
        return [d / (b[0] - s) for (s, _, d), b in itertools.pairwise(notes) if b[0] - s > 0.1]

    played, grid = [], []
    for seed in range(6):
        _, notes = made(client, "melody", genre="pop", bars=8, chords=FOLLOW, seed=seed)
        played += ratios(notes)
        assert any(abs(d * 4 - round(d * 4)) > 0.05 for _, _, d in notes)
        _, notes = made(client, "melody", genre="pop", bars=8, chords=FOLLOW, seed=seed, humanize=0)
        grid += ratios(notes)
        assert all(abs(d * 4 - round(d * 4)) < 0.02 for _, _, d in notes)
    assert 0.7 <= float(np.median(played)) <= 0.9 and max(played) <= 1.0 + 1e-6
    assert float(np.median(grid)) > 0.95
    trap = [made(client, "bassline", genre="trap", bars=4, chords=FOLLOW, seed=s)[1] for s in range(6)]
    assert any(max(ratios(n), default=0) > 1.0 for n in trap)       # a glide's overlap


def test_jazz_melody_swings_and_genres_differ(client):
    _, jazz = made(client, "melody", genre="jazz", bars=4, chords=["Dm7", "G7", "Cmaj7", "A7"],
                   humanize=0.0)
    offbeats = [s % 1 for s, _, _ in jazz if 0.55 < s % 1 < 0.75]
    assert offbeats and all(abs(x - (0.5 + 0.33 * 0.5)) < 1e-3 for x in offbeats)
    assert not any(abs(s % 1 - 0.5) < 1e-6 for s, _, _ in jazz)        # no straight off-beat 8th
    profiles = {}
    for genre in ("house", "pop"):
        t = np.concatenate([onsets_in_16ths(made(client, "melody", genre=genre, bars=8,
                                                 chords=FOLLOW, seed=s)[1]) for s in range(4)])
        profiles[genre] = np.bincount(t % 16, minlength=16) / len(t)
    offbeat = {g: profiles[g][[2, 6, 10, 14]].sum() for g in profiles}
    assert offbeat["house"] > 0.45 and offbeat["house"] > offbeat["pop"] + 0.15   # off-beat stabs
    for seed in range(4):               # trap: a melodic loop as long as the chord loop under it
        _, trap = made(client, "melody", genre="trap", bars=8, chords=FOLLOW, seed=seed)
        first = {(round(s, 3), p) for s, p, _ in trap if s < 16}
        second = {(round(s - 16, 3), p) for s, p, _ in trap if s >= 16}
        assert len(first & second) >= 0.9 * len(first)


def test_melody_chromaticism_admits_passing_tones(client):
    key = parse_key("A minor")
    tones = {0: 0, 1: 0}
    for level, seed in itertools.product((0, 1), range(6)):
        body, notes = made(client, "melody", genre="pop", bars=8, chords=FOLLOW, chromaticism=level,
                           seed=seed)
        chords = [parse_chord(c) for c in FOLLOW]
        tones[level] += sum(p % 12 not in key.scale and p % 12 not in chords[int(s // 4) % 4].pitch_classes
                            for s, p, _ in notes)
    assert tones[0] == 0 and tones[1] >= 3, tones


# ---- units ------------------------------------------------------------------------------------
def test_numerals_name_the_mode_s_chords():
    tokens = styles.numeral_tokens("VI", "minor")          # F in A minor, relative to the tonic
    chord = CV.token_chord(int(tokens[0]), Key(9, "minor"))
    assert chord.root == 5 and chord.quality == ""
    assert CV.token_chord(int(styles.numeral_tokens("bVII", "major")[0]), Key(0, "major")).root == 10
    assert CV.token_chord(int(styles.numeral_tokens("ii°", "minor")[0]), Key(0, "minor")).quality == "dim"
    with pytest.raises(ValueError):
        styles.numeral_tokens("VIII", "major")


def test_loop_plan_repeats_lines_and_varies_cadences():
    p = ChordParams(key=Key(0, "major"), genre="pop", bars=16, seed=0)
    fresh = ChordGenerator.loop_plan(p, np.random.default_rng(0))
    assert fresh[:, :4].all()                               # the first line is written
    later = fresh[:, 4:]
    assert later.any() and not later.all()
    loops = ChordGenerator.loop_plan(ChordParams(key=Key(0, "minor"), genre="trap", bars=16),
                                     np.random.default_rng(0))
    assert loops[:, :4].all() and not loops[:, 4:].any()


def test_rhythm_states_and_note_lengths():
    notes = [Note(60, 0.0, 1.0, 90), Note(62, 1.5, 0.25, 90)]
    st = rhythm.step_states(notes, 8)
    assert st.tolist() == [2, 1, 1, 1, 0, 0, 2, 0]
    held = rhythm.hold_by_age([st])
    assert held[0] == 0.5 and held[1] == 1.0 and held[2] == 1.0   # the quarter holds, the 16th stops
