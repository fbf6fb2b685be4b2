"""Keys, modes and chord symbols: parse, print, compare."""

import pytest

from beatengine.theory import Chord, parse_chord, parse_harte, parse_key, parse_pitch_class


@pytest.mark.parametrize("text,tonic,mode,scale0", [
    ("A minor", 9, "minor", (9, 11, 0, 2, 4, 5, 7)), ("F# major", 6, "major", (6, 8, 10, 11, 1, 3, 5)),
    ("D dorian", 2, "dorian", (2, 4, 5, 7, 9, 11, 0)), ("Am", 9, "minor", None),
    ("Eb", 3, "major", None), ("g mixolydian", 7, "mixolydian", (7, 9, 11, 0, 2, 4, 5))])
def test_keys_and_modes(text, tonic, mode, scale0):
    key = parse_key(text)
    assert (key.tonic, key.mode) == (tonic, mode)
    if scale0:
        assert key.scale == scale0


def test_every_tonic_and_key_signatures():
    for pc, name in enumerate(("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")):
        assert parse_key(f"{name} major").scale[0] == pc
        assert len(set(parse_key(f"{name} minor").scale)) == 7
    assert parse_key("A minor").midi_key_signature() == "Am"
    assert parse_key("D dorian").midi_key_signature() == "C"
    assert parse_key("G mixolydian").midi_key_signature() == "C"


@pytest.mark.parametrize("bad", ["H minor", "A blues-ish", "", "minor"])
def test_bad_keys_are_refused_by_name(bad):
    with pytest.raises(ValueError):
        parse_key(bad)


@pytest.mark.parametrize("symbol,root,pcs,bass", [
    ("Am7", 9, {9, 0, 4, 7}, 9), ("F/A", 5, {5, 9, 0}, 9), ("Bbmaj7", 10, {10, 2, 5, 9}, 10),
    ("C#m7b5", 1, {1, 4, 7, 11}, 1), ("Gsus4", 7, {7, 0, 2}, 7), ("D9", 2, {2, 6, 9, 0, 4}, 2),
    ("Ebdim7", 3, {3, 6, 9, 0}, 3), ("Caug", 0, {0, 4, 8}, 0), ("E5", 4, {4, 11}, 4)])
def test_chord_symbols(symbol, root, pcs, bass):
    chord = parse_chord(symbol)
    assert chord.root == root and chord.pitch_classes == frozenset(pcs) and chord.bass_pc == bass
    assert parse_chord(chord.symbol) == chord            # prints back to an equal chord


@pytest.mark.parametrize("bad", ["Hm7", "Cfoo", "Am7/X", "", "7"])
def test_unknown_symbols_name_themselves(bad):
    with pytest.raises(ValueError, match="chord"):
        parse_chord(bad)


def test_harte_labels_from_pop909_and_billboard():
    assert parse_harte("B:maj") == Chord(11, "")
    assert parse_harte("F#:min7/b7") == Chord(6, "m7", 4)
    assert parse_harte("C:sus4(b7)").pitch_classes == frozenset({0, 5, 7, 10})
    assert parse_harte("A:hdim7") == parse_chord("Am7b5")
    assert parse_chord("E:min/b3").bass_pc == 7
    with pytest.raises(ValueError):
        parse_harte("N")


def test_pitch_class_spellings():
    assert parse_pitch_class("Db") == parse_pitch_class("C#") == 1
    assert parse_pitch_class("Cb") == 11 and parse_pitch_class("E#") == 5
    assert parse_pitch_class("B♭") == 10


def test_key_inference_from_chords():
    from beatengine.theory import infer_key

    def key_of(symbols):
        return str(infer_key([parse_chord(s) for s in symbols]))

    assert key_of(["Am", "F", "C", "G"]) == "A minor"
    assert key_of(["C", "G", "Am", "F"]) == "C major"
    assert key_of(["F#m", "D", "A", "E"]) == "F# minor"
    assert key_of(["Dm7", "G7", "Cmaj7"]) == "C major"


def test_krumhansl_schmuckler_and_chord_estimation():
    from beatengine.midi_io import Note
    from beatengine.theory import estimate_chords, ks_key

    scale = [0, 2, 4, 5, 7, 9, 11]
    g_major = [Note(67 + p, i * 0.5, 0.5, 90) for i, p in enumerate(scale * 2)]
    g_major += [Note(55, 0, 4, 90), Note(62, 4, 2, 90)]
    assert str(ks_key(g_major)) == "G major"
    assert ks_key([]) is None
    bar1 = [Note(p, 0, 4, 90) for p in (45, 60, 64, 69)]            # A minor
    bar2 = [Note(p, 4, 4, 90) for p in (43, 59, 62, 65, 67)]        # G7
    chords = estimate_chords(bar1 + bar2, 2, 4)
    assert [c.symbol for _, _, c in chords] == ["Am", "G7"]
    assert [(a, b) for a, b, _ in chords] == [(0, 4), (4, 8)]
