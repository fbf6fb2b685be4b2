"""Harmony data loaders: Billboard charts, POP909 songs and free-midi-chords progressions, on tiny
fixtures made here, plus a sanity pass over the real datasets when they are present."""

import json
from pathlib import Path

import mido
import pytest

from beatengine.midi_io import Note
from beatengine.theory import MODES, Chord, Key, parse_chord
from tests.harmony_fixtures import midi_track
from training import harmony_data as harmony_data_command
from training.config import DEFAULT_HARMONY_DATA, HarmonyData
from training.sources import billboard as B
from training.sources import free_midi_chords as FMC_SOURCE
from training.sources import harmony as H
from training.sources import pop909 as P
from training.sources import song as S

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
TPB = 480

# ---- Billboard fixture -----------------------------------------------------------------------
SONG_A = """# title: Test Song
# artist: The Testers
# metre: 4/4
# tonic: A

0.0\tsilence
0.5\tA, intro, | A:min | C:maj G:maj |, (guitar
4.5\tB, verse, | A:min | F:maj | x2
12.5\t| (2/4) E:7 | A:min . . C:maj |
16.0\tC, chorus, | F:maj | G:7(b9) | ->
# tonic: C
20.0\tB, | D:min7 | E:sus4(b7,9) |, guitar)
24.0\tsilence
25.0\tend
"""
SONG_B = """# title: Waltz For Tests
# artist: Somebody & Friends
# metre: 3/4
# tonic: G

0.0\tsilence
0.3\tA, verse two, | G:maj | G:maj | C:maj D:7 |
5.0\tfadeout, | G:maj | x2
9.0\tend
"""
SONG_12_8 = """# title: Shuffle
# artist: Nobody
# metre: 12/8
# tonic: C

0.0\tA, verse, | C:maj | F:maj |
4.0\tend
"""


def make_billboard(root: Path) -> Path:
    charts = {"0001": SONG_A, "0002": SONG_B, "0003": SONG_A.replace("Test Song", "TEST SONG!"),
              "0004": SONG_12_8}
    for chart_id, text in charts.items():
        path = root / "billboard-2.0-salami_chords" / chart_id / "salami_chords.txt"
        path.parent.mkdir(parents=True)
        path.write_text(text)
    # 0001 has no acousticbrainz row; its duplicate 0003 does
    (root / "acousticbrainz_genre_bpm_key.csv").write_text(
        "id,genre_tags,ab_bpm,ab_key,ab_scale\n0002,Classic Rock,96.5,G,major\n"
        "0003,Funk / Soul,104.09,A,minor\n")
    return root


def _spans(song: S.Song) -> list[tuple[float, float, str | None]]:
    return [(s, e, c.symbol if c else None) for s, e, c in song.chords]


def test_billboard_bars_repeats_multichord_cells_and_odd_bars(tmp_path):
    songs = {s.song_id: s for s in B.load_billboard(make_billboard(tmp_path / "bb"))}
    assert set(songs) == {"test song|the testers", "waltz for tests|somebody and friends"}
    a = songs["test song|the testers"]
    assert _spans(a) == [
        (0.0, 4.0, "Am"), (4.0, 6.0, "C"), (6.0, 8.0, "G"),            # "C:maj G:maj": half a bar each
        (8.0, 12.0, "Am"), (12.0, 16.0, "F"), (16.0, 20.0, "Am"), (20.0, 24.0, "F"),   # x2
        (24.0, 26.0, "E7"),                                              # (2/4): a two-beat bar
        (26.0, 29.0, "Am"), (29.0, 30.0, "C"),                           # "." holds A:min a beat each
        (30.0, 34.0, "F"), (34.0, 38.0, "G7b9"), (38.0, 42.0, "Dm7"), (42.0, 46.0, "E7sus4")]
    assert a.n_bars == 12 and a.meter == "4/4" and a.beats_per_bar() == 4
    assert a.sections == [(0.0, "intro"), (8.0, "verse"), (30.0, "chorus"), (38.0, "verse")]
    assert a.key == Key(9, "minor")                 # first tonic (A), minor from the chord tones
    assert (a.n_labels, a.n_fallback) == (14, 1)    # E:sus4(b7,9) -> nearest: E7sus4
    assert a.melody is None and a.bass is None and a.source == "billboard"


def test_billboard_dedupes_chart_slots_and_reads_genre_bpm_meter(tmp_path):
    songs = {s.song_id: s for s in B.load_billboard(make_billboard(tmp_path / "bb"))}
    a, b = songs["test song|the testers"], songs["waltz for tests|somebody and friends"]
    assert len(songs) == 2                          # 0003 is 0001 again; 0004 is 12/8: skipped
    assert (a.genre, a.bpm) == ("funk", 104.09)     # from the duplicate's acousticbrainz row
    assert (b.genre, b.bpm) == ("rock", 96.5)
    assert b.meter == "3/4" and b.beats_per_bar() == 3 and b.n_bars == 5
    assert _spans(b) == [(0.0, 6.0, "G"), (6.0, 7.5, "C"), (7.5, 9.0, "D7"), (9.0, 15.0, "G")]
    assert b.sections == [(0.0, "verse")]           # "fadeout" is no section
    assert b.key == Key(7, "major")


def test_genre_tags_normalise():
    assert B.normalize_genre("Classic Rock") == "rock"
    assert B.normalize_genre("Funk / Soul") == "funk"
    assert B.normalize_genre("R&B") == B.normalize_genre("Soul") == "rnb"
    assert B.normalize_genre("Hip Hop") == "boom_bap"
    assert B.normalize_genre("Country") is None and B.normalize_genre("") is None


# ---- POP909 fixture --------------------------------------------------------------------------
def make_pop909(root: Path) -> Path:
    """One song at 120 bpm (a beat is 0.5 s); beat_midi's first row is a pickup beat, so the first
    downbeat is MIDI beat 1 and everything moves one beat earlier."""
    folder = root / "POP909" / "001"
    folder.mkdir(parents=True)
    mid = mido.MidiFile(ticks_per_beat=TPB)
    mid.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500000)]))
    mid.tracks.append(midi_track("MELODY", 0, [(0.5, 0.5, 67), (1, 1, 72), (2, 0.5, 74), (3.5, 1, 76)]))
    mid.tracks.append(midi_track("PIANO", 2, [
        (1, 4, 60), (1.025, 4, 48), (1, 4, 64),     # C chord, its bass struck a hair late
        (5, 2, 45), (5, 2, 57), (7, 1, 52),        # A2 (A3 is above the bass range), E3
        (9, 2, 41), (11, 2, 43),                   # F2, G2
        (13, 4, 36), (14, 1, 50)]))                # C2, and D3 over it: not the bass
    mid.save(folder / "001.mid")
    rows = [f"{i * 0.5} {float(i % 2)} {float(i % 4 == 1)}" for i in range(17)]
    (folder / "beat_midi.txt").write_text("\n".join(rows) + "\n")
    (folder / "chord_midi.txt").write_text(
        "0.0\t0.5\tN\n0.5\t2.5\tC:maj\n2.5\t4.5\tA:min\n4.5\t5.5\tF:maj\n5.5\t6.5\tG:maj\n"
        "6.5\t8.5\tC:maj/3\n")
    (folder / "key_audio.txt").write_text("0.0\t1.0\tA:min\n1.0\t8.5\tC:maj\n")
    return root


def test_pop909_song_in_beats_from_the_first_downbeat(tmp_path):
    [song] = P.load_pop909(make_pop909(tmp_path / "pop909"))
    assert (song.song_id, song.source, song.genre, song.meter, song.bpm) == (
        "pop909/001", "pop909", "pop", "4/4", 120.0)
    assert song.key == Key(0, "major")              # C:maj covers the most time
    assert _spans(song) == [(0.0, 4.0, "C"), (4.0, 8.0, "Am"), (8.0, 10.0, "F"), (10.0, 12.0, "G"),
                            (12.0, 16.0, "C/E")]
    assert song.n_bars == 4 and (song.n_labels, song.n_fallback) == (6, 0)
    # the pickup note before the first downbeat is dropped
    assert [(n.pitch, n.start, n.duration) for n in song.melody] == [
        (72, 0.0, 1.0), (74, 1.0, 0.5), (76, 2.5, 1.0)]
    assert [(n.pitch, n.start) for n in song.bass] == [
        (48, 0.025), (45, 4.0), (52, 6.0), (41, 8.0), (43, 10.0), (36, 12.0)]
    assert song.bass[0].duration == 3.975           # cut where the next bass note starts
    assert song.bass_alignment == 1.0               # C2 under C/E counts: the root
    assert S.chord_at(song, 9.5) == parse_chord("F") and S.chord_at(song, 16.0) is None


def test_pop909_tempo_map_and_three_beat_bars(tmp_path):
    root = make_pop909(tmp_path / "pop909")
    folder = root / "POP909" / "001"
    mid = mido.MidiFile(folder / "001.mid")
    mid.tracks[0] = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500000),
                                    mido.MetaMessage("set_tempo", tempo=1000000, time=4 * TPB)])
    mid.save(folder / "001.mid")
    # beats 0-4 at 0.5 s, then 1 s a beat; downbeats every 6 rows: three-beat bars
    times = [i * 0.5 for i in range(5)] + [2.0 + i for i in range(1, 13)]
    (folder / "beat_midi.txt").write_text("\n".join(
        f"{t} {float(i % 3 == 1)} {float(i % 6 == 1)}" for i, t in enumerate(times)) + "\n")
    (folder / "chord_midi.txt").write_text("0.5\t3.0\tC:maj\n3.0\t5.0\tG:7\n5.0\t14.0\tC:maj\n")
    song = P.load_pop909_song(folder)
    assert song.meter == "3/4" and song.beats_per_bar() == 3
    assert _spans(song) == [(0.0, 4.0, "C"), (4.0, 6.0, "G7"), (6.0, 15.0, "C")]
    assert song.n_bars == 5


def test_pop909_downbeat_moves_to_where_the_chords_change(tmp_path):
    folder = make_pop909(tmp_path / "pop909") / "POP909" / "001"
    # beat_midi marks the pickup beat as the downbeat: every chord then changes on "beat 2"
    (folder / "beat_midi.txt").write_text("\n".join(
        f"{i * 0.5} {float(i % 2 == 0)} {float(i % 4 == 0)}" for i in range(17)) + "\n")
    song = P.load_pop909_song(folder)
    assert _spans(song)[:3] == [(0.0, 4.0, "C"), (4.0, 8.0, "Am"), (8.0, 10.0, "F")]
    assert song.melody[0].start == 0.0 and song.bass_alignment == 1.0
    c = parse_chord("C")
    assert P.downbeat_phase([(0.0, 1.0, None), (1.0, 5.0, c), (5.0, 9.0, c)], 4) == 1
    assert P.downbeat_phase([(0.0, 4.0, c), (4.0, 5.0, c), (5.0, 8.0, c)], 4) == 0  # 4 vs 3 beats


def test_bass_is_dropped_when_it_does_not_follow_the_chords():
    chords = [(float(b), b + 4.0, Chord(0, "")) for b in range(0, 32, 4)]
    wrong = [Note(38, float(b), 4.0, 80) for b in range(0, 32, 4)]        # D under C chords
    assert P.bass_alignment(wrong, chords, 4.0) == (0.0, 8)
    right = P.derive_bass([Note(48, float(b), 2.0, 80) for b in range(0, 32, 4)]
                          + [Note(52, float(b), 2.0, 80) for b in range(0, 32, 4)])
    assert [n.pitch for n in right] == [48] * 8 and P.bass_alignment(right, chords, 4.0) == (1.0, 8)


# ---- free-midi-chords fixture ----------------------------------------------------------------
FMC = """mode,roman_numerals,mood_tags
major,I V vi IV,Hopeful Romantic
minor,i VII VI v7,Sad
modal,I bVIIM IV I,Rebellious
major,I V vi IV,Hopeful Again
"""


def test_free_midi_chords_numerals_modes_and_bar_lengths(tmp_path):
    path = tmp_path / "progressions.csv"
    path.write_text(FMC)
    songs = FMC_SOURCE.load_free_midi_chords(path)
    assert [s.song_id for s in songs] == ["fmc/0", "fmc/1", "fmc/2"]    # row 3 repeats row 0
    major, minor, modal = songs
    assert _spans(major) == [(0.0, 4.0, "C"), (4.0, 8.0, "G"), (8.0, 12.0, "Am"), (12.0, 16.0, "F")]
    assert [c.symbol for _, _, c in minor.chords] == ["Cm", "Bb", "Ab", "Gm7"]   # the scale's own v7
    assert [c.symbol for _, _, c in modal.chords] == ["C", "Bb", "F", "C"]
    assert [s.key for s in songs] == [Key(0, "major"), Key(0, "minor"), Key(0, "mixolydian")]
    assert all(s.genre is None and s.bpm is None and s.meter == "4/4" for s in songs)
    two = FMC_SOURCE.load_free_midi_chords(path, bars_per_chord=2)
    assert two[0].chords[1][:2] == (8.0, 16.0) and two[0].n_bars == 8


# ---- together --------------------------------------------------------------------------------
def test_load_harmony_splits_by_song_and_summarizes(tmp_path, capsys):
    make_billboard(tmp_path / "bb")
    make_pop909(tmp_path / "pop")
    (tmp_path / "p.csv").write_text(FMC)
    cfg = HarmonyData(billboard_dir="bb", pop909_dir="pop", fmc_csv="p.csv", max_songs=5)
    songs = H.load_harmony(cfg.model_copy(update={"fmc_csv": "missing.csv"}), tmp_path)
    assert sorted({s.source for s in songs}) == ["billboard", "pop909"]  # a missing path is skipped
    songs = H.load_harmony(cfg, tmp_path)
    ids = [s.song_id for s in songs]
    assert len(ids) == len(set(ids)) == 6
    assert all(s.split == S.split_of(s.song_id) for s in songs)
    summary = H.summarize(songs)
    assert summary["by_source"] == {"billboard": 2, "fmc": 3, "pop909": 1}
    assert summary["bars"] == 12 + 5 + 4 + 3 * 4 and summary["fallback_labels"] == 1
    assert summary["bass_alignment"]["songs_kept"] == 1
    # the command line reads the config's harmony data section
    (tmp_path / "cfg.json").write_text(json.dumps({"harmony": {"data": {
        "billboard_dir": str(tmp_path / "bb"), "fmc_csv": str(tmp_path / "p.csv")}}}))
    harmony_data_command.main(["--config", str(tmp_path / "cfg.json")])
    assert json.loads(capsys.readouterr().out)["by_source"] == {"billboard": 2, "fmc": 3}


def test_split_is_stable_and_about_ten_percent():
    splits = [S.split_of(f"song {i}") for i in range(2000)]
    assert splits == [S.split_of(f"song {i}") for i in range(2000)]
    assert 0.07 < splits.count("validation") / len(splits) < 0.13


@pytest.mark.parametrize("label,symbol,fallback", [
    ("A:min7", "Am7", False), ("C:maj/11", "C/F", False), ("G:sus4(b7,9)", "G7sus4", True),
    ("D:min(b13)", "Dm", True), ("E:1(b3,b7)/b7", "Em7/D", True), ("F:maj(11)", "F", True)])
def test_labels_parse_or_fall_back_to_the_nearest_chord(label, symbol, fallback):
    chord, fell_back = S.parse_label(label)
    assert (chord.symbol, fell_back) == (symbol, fallback)
    assert S.parse_label("N") == (None, False) and S.parse_label("&pause") == (None, False)


# ---- the real datasets -----------------------------------------------------------------------
def test_real_datasets_load_sanely():
    if not DATASETS.is_dir():
        pytest.skip(f"real datasets not found at {DATASETS} (they live in ../shared/datasets)")
    cfg = DEFAULT_HARMONY_DATA.model_copy(update={"max_songs": 20})
    songs = H.load_harmony(cfg, ROOT)
    if not songs:
        pytest.skip(f"no billboard/pop909/free-midi-chords data under {DATASETS}")
    for song in songs:
        assert song.chords and song.chords[0][0] == 0.0
        spans = song.chords
        assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(spans, spans[1:], strict=False))
        assert 0 <= song.key.tonic < 12 and song.key.mode in MODES and song.meter in S.METER_BEATS
        assert song.n_bars > 0 and song.split in ("train", "validation")
        if song.melody is not None:
            assert min(n.start for n in song.melody) >= 0
    summary = H.summarize(songs)
    assert summary["fallback_labels"] < 0.1 * summary["chord_labels"]
    assert all(n <= 20 for n in summary["by_source"].values())
