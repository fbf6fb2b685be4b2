"""Chord voicing: chord tones, voice leading, register, slash bass, and each style's rhythm."""

import pytest

from beatengine.genres import GENRE_NAMES
from beatengine.midi_io import Note
from beatengine.roles.chords.voicing import (
    GENRE_VOICING,
    MUD_LIMIT,
    VOICING_STYLES,
    voice_chord,
    voice_progression,
)
from beatengine.theory import Chord, parse_chord

II_V_I = ["Dm7", "G7", "Cmaj7"]
POP_LOOP = ["C", "Am", "F", "G"] * 2
RICH = ["Dm9", "G13", "Cmaj9", "A7b9", "F/A", "C/G", "Bm7b5", "E7#9", "Am", "Gsus4", "Ebdim7", "D7/F#"]
METERS_AND_BARS = [("4/4", 4.0), ("3/4", 3.0), ("6/8", 3.0)]


def progression(symbols: list[str], beats: float = 4.0) -> list[tuple[float, float, Chord]]:
    return [(i * beats, beats, parse_chord(s)) for i, s in enumerate(symbols)]


def chained(symbols: list[str], **kw) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = []
    for s in symbols:
        out.append(voice_chord(parse_chord(s), out[-1] if out else None, **kw))
    return out


def sounding(chords: list[tuple[float, float, Chord]], beat: float) -> Chord:
    return next(c for s, d, c in chords if s <= beat < s + d)


def onsets(notes: list[Note]) -> list[float]:
    return sorted({n.start for n in notes})


# ---- voice_chord -----------------------------------------------------------------------------
@pytest.mark.parametrize("symbols", [II_V_I * 3, POP_LOOP * 2])
def test_voice_leading_is_smooth(symbols):
    voicings = chained(symbols)
    for a, b in zip(voicings, voicings[1:], strict=False):
        assert len(a) == len(b)
        assert sum(abs(x - y) for x, y in zip(a, b, strict=True)) <= 7, (a, b)
        assert abs(a[-1] - b[-1]) <= 4, (a, b)


def test_ii_v_i_moves_by_steps():
    dm7, g7, cmaj7 = chained(II_V_I)
    # the textbook result: 7th resolves down a step, common tones held, nothing moves further
    assert sum(abs(x - y) for x, y in zip(dm7, g7, strict=True)) <= 4
    assert sum(abs(x - y) for x, y in zip(g7, cmaj7, strict=True)) <= 4


@pytest.mark.parametrize("symbol", RICH + ["C", "Cmaj7", "C13", "Cm11", "C69", "C5", "Caug"])
def test_every_note_is_a_chord_tone_and_key_tones_survive(symbol):
    chord = parse_chord(symbol)
    voicing = voice_chord(chord, None)
    assert list(voicing) == sorted(voicing) and len(set(voicing)) == len(voicing)
    assert {p % 12 for p in voicing} <= chord.pitch_classes
    assert len(voicing) <= 5
    third = [i for i in chord.intervals if i in (2, 3, 4, 5)]
    if third:  # the 3rd (or sus tone) is never the one dropped
        assert (chord.root + third[0]) % 12 in {p % 12 for p in voicing}


def test_all_tones_when_they_fit_and_the_fifth_goes_first():
    assert {p % 12 for p in voice_chord(parse_chord("Cmaj9"), None)} == {0, 4, 7, 11, 2}
    c13 = {p % 12 for p in voice_chord(parse_chord("C13"), None, max_voices=4)}
    assert 7 not in c13 and {4, 10, 9} <= c13  # 5th dropped; 3rd, 7th and the 13th kept
    assert {p % 12 for p in voice_chord(parse_chord("Cmaj7"), None, max_voices=3)} == {0, 4, 11}
    assert {p % 12 for p in voice_chord(parse_chord("C7"), None, max_voices=2)} == {4, 10}


def test_first_chord_is_close_and_centred():
    voicing = voice_chord(parse_chord("C"), None)
    assert voicing[-1] - voicing[0] < 12
    assert abs(sum(voicing) / len(voicing) - (48 + 76) / 2) <= 4


@pytest.mark.parametrize("low,high", [(48, 76), (36, 60), (55, 72), (40, 64)])
def test_register_respected_and_no_low_mud(low, high):
    symbols = RICH + POP_LOOP + II_V_I
    for chord, v in zip(map(parse_chord, symbols), chained(symbols, low=low, high=high), strict=True):
        slash = chord.bass is not None and chord.bass != chord.root
        upper = v[1:] if slash else v
        assert all(low <= p <= high for p in upper), (chord.symbol, v)
        if slash:
            assert low - 12 <= v[0] < low and v[0] % 12 == chord.bass
        # below MIDI 52 neighbours are at least a minor 3rd apart (a 2nd only at the very top)
        for i, (a, b) in enumerate(zip(v, v[1:], strict=False)):
            if a < MUD_LIMIT and i < len(v) - 2:
                assert b - a >= 3, (chord.symbol, v)


@pytest.mark.parametrize("symbol,bass_pc", [("F/A", 9), ("C/Bb", 10), ("G/B", 11), ("Am7/G", 7)])
def test_slash_bass_is_the_lowest_note(symbol, bass_pc):
    for previous in (None, (55, 60, 64), (64, 67, 72, 76)):
        v = voice_chord(parse_chord(symbol), previous)
        assert v[0] % 12 == bass_pc and 36 <= v[0] < 48
        assert all(p >= 48 for p in v[1:])
        assert {p % 12 for p in v} == parse_chord(symbol).pitch_classes


def test_bad_arguments():
    with pytest.raises(ValueError):
        voice_chord(parse_chord("C"), None, low=60, high=65)
    with pytest.raises(ValueError):
        voice_chord(parse_chord("C"), None, max_voices=1)


# ---- voice_progression -----------------------------------------------------------------------
@pytest.mark.parametrize("style", VOICING_STYLES)
@pytest.mark.parametrize("meter,bar", METERS_AND_BARS)
def test_every_style_plays_chord_tones_inside_the_spans(style, meter, bar):
    chords = progression(RICH, bar) + [(len(RICH) * bar, bar / 2, parse_chord("C"))]  # a short last chord
    end = chords[-1][0] + chords[-1][1]
    for seed in range(4):
        notes = voice_progression(chords, style, meter=meter, seed=seed, humanize=0.5)
        assert notes and notes == sorted(notes, key=lambda n: (n.start, n.pitch))
        for n in notes:
            assert n.pitch % 12 in sounding(chords, n.start).pitch_classes, n
            assert 0 <= n.start < end and n.duration > 0 and n.start + n.duration <= end + 1e-9
            assert 1 <= n.velocity <= 127
        # every chord is heard
        assert all(any(s <= n.start < s + d for n in notes) for s, d, _ in chords)


def test_block_strikes_each_chord_once_slightly_short():
    chords = progression(POP_LOOP)
    notes = voice_progression(chords, "block")
    assert onsets(notes) == [s for s, _, _ in chords]
    assert all(3.0 <= n.duration < 4.0 for n in notes)


def test_stabs_are_short_and_syncopated():
    chords = progression(POP_LOOP)
    for seed in range(8):
        notes = voice_progression(chords, "stabs", seed=seed)
        starts = {s for s, _, _ in chords}
        assert not set(onsets(notes)) <= starts
        assert all(n.duration <= 0.5 for n in notes)
        assert len(onsets(notes)) > len(chords)
        for s, d, _ in chords:  # each stab lands inside one chord and ends there
            assert all(n.start + n.duration <= s + d for n in notes if s <= n.start < s + d)


def test_arpeggio_plays_single_notes_in_8ths_or_16ths():
    chords = progression(POP_LOOP)
    for seed in range(8):
        notes = voice_progression(chords, "arpeggio", seed=seed)
        starts = [n.start for n in notes]
        assert len(starts) == len(set(starts))  # one note at a time
        assert len(notes) >= 8 * len(chords)
        steps = {round(b - a, 6) for a, b in zip(starts, starts[1:], strict=False)}
        assert steps <= {0.25, 0.5}
        first = [n for n in notes if n.start == 0.0]
        assert first[0].pitch == min(n.pitch for n in notes if n.start < 4)  # starts from the bottom


def test_pad_is_gapless_and_ties_common_tones():
    chords = progression(POP_LOOP)
    notes = voice_progression(chords, "pad")
    end = chords[-1][0] + chords[-1][1]
    grid = [i / 8 for i in range(int(end * 8))]
    assert all(any(n.start <= t < n.start + n.duration for n in notes) for t in grid)
    voicings = chained(POP_LOOP)
    for i, (a, b) in enumerate(zip(voicings, voicings[1:], strict=False)):
        change = chords[i + 1][0]
        for pitch in set(a) & set(b):
            held = next(n for n in notes if n.pitch == pitch and n.start < change
                        <= n.start + n.duration + 1e-9)
            if change - held.start < 8:  # rung under two bars: it runs through the change
                assert held.start + held.duration > change
                assert not any(n.pitch == pitch and n.start == change for n in notes)
            else:                        # rung two bars: struck again with the new chord
                assert any(n.pitch == pitch and n.start == change for n in notes)
    assert len(notes) < sum(len(v) for v in voicings)  # ties mean fewer notes than chord tones
    assert max(n.duration for n in notes) <= 8 + 4          # no note drones on through the loop


def test_deterministic_and_humanize_touches_velocity_only():
    chords = progression(RICH)
    for style in VOICING_STYLES:
        plain = voice_progression(chords, style, seed=3)
        assert plain == voice_progression(chords, style, seed=3)
        human = voice_progression(chords, style, seed=3, humanize=1.0)
        assert [(n.pitch, n.start, n.duration) for n in human] == [
            (n.pitch, n.start, n.duration) for n in plain]
        assert any(a.velocity != b.velocity for a, b in zip(plain, human, strict=True))
        assert all(abs(a.velocity - b.velocity) <= 10 for a, b in zip(plain, human, strict=True))
    loud = voice_progression(chords, "stabs", velocity=127, humanize=1.0)
    soft = voice_progression(chords, "arpeggio", velocity=1, humanize=1.0)
    assert all(1 <= n.velocity <= 127 for n in loud + soft)


def test_errors():
    chords = progression(II_V_I)
    with pytest.raises(ValueError, match="strum"):
        voice_progression(chords, "strum")
    with pytest.raises(ValueError):
        voice_progression(chords, "block", meter="four")
    with pytest.raises(ValueError):
        voice_progression([(0.0, 0.0, parse_chord("C"))], "block")
    with pytest.raises(ValueError):
        voice_progression([(0.0, 4.0, parse_chord("C")), (2.0, 4.0, parse_chord("F"))], "pad")
    assert voice_progression([], "pad") == []


def test_genre_defaults_cover_every_genre():
    assert set(GENRE_VOICING) == set(GENRE_NAMES)
    assert set(GENRE_VOICING.values()) <= set(VOICING_STYLES)
    assert GENRE_VOICING["house"] == "stabs" and GENRE_VOICING["jazz"] == "block"
