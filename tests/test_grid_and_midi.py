"""MIDI I/O and the drum grid: encode, decode, compare."""

import numpy as np
import pretty_midi

from beatengine.midi_io import Note, Song, Track, write_midi
from beatengine.midi_reader import read_midi
from beatengine.roles.drums import vocab as V
from beatengine.roles.drums.grid import DrumGrid, quantize, render, tokens_to_hits


def test_write_then_read_gives_the_same_notes_tempo_and_metre(tmp_path):
    notes = [Note(36, 0.0, 0.25, 100), Note(38, 1.0, 0.25, 90), Note(42, 1.5, 0.125, 64)]
    data = write_midi(Song([Track("drums", notes, is_drum=True, channel=9)], bpm=93.0,
                           time_signature="6/8", markers=[(0.0, "intro")]))
    parsed = read_midi(data)
    assert parsed.notes_by_channel[9] == notes
    assert abs(parsed.bpm - 93.0) < 1e-3
    assert parsed.time_signature == "6/8"
    (tmp_path / "a.mid").write_bytes(data)
    pm = pretty_midi.PrettyMIDI(str(tmp_path / "a.mid"))
    assert pm.instruments[0].is_drum
    assert [n.pitch for n in pm.instruments[0].notes] == [36, 38, 42]


def test_read_rejects_non_midi():
    try:
        read_midi(b"RIFF not midi at all")
    except ValueError as exc:
        assert "not a valid MIDI file" in str(exc)
    else:
        raise AssertionError("garbage parsed as MIDI")


def test_quantize_keeps_microtiming_and_velocity_and_maps_td11():
    notes = [Note(36, 0.0, 0.1, 100), Note(22, 0.26, 0.1, 70),   # hat edge, a bit late
             Note(38, 0.99, 0.1, 110), Note(58, 1.5, 0.1, 80)]   # snare a bit early, low tom
    grid = quantize(notes, V.TD11_TO_PIECE, "4/4", 1)
    assert grid.hits[0, V.KICK] and grid.hits[1, V.CLOSED_HH] and grid.hits[4, V.SNARE]
    assert grid.hits[6, V.LOW_TOM]
    assert grid.velocity[4, V.SNARE] == 110
    assert np.isclose(grid.offset[1, V.CLOSED_HH], 0.04)      # 0.26 beats = step 1.04
    assert np.isclose(grid.offset[4, V.SNARE], -0.04)
    assert grid.hits.sum() == 4


def test_two_hats_in_one_step_become_a_roll_and_render_back_as_two_hits():
    notes = [Note(42, 0.0, 0.05, 90), Note(42, 0.125, 0.05, 80)]   # two 32nds
    grid = quantize(notes, V.TD11_TO_PIECE, "4/4", 1)
    assert grid.hits[0, V.HH_ROLL] and not grid.hits[0, V.CLOSED_HH]
    assert grid.roll_div[0] == 2
    out = render(grid, humanize=0.0)
    assert [(n.pitch, n.start) for n in out] == [(42, 0.0), (42, 0.125)]


def test_render_on_grid_swing_and_clip_bounds():
    grid = DrumGrid.empty("4/4", 1)
    grid.hits[[0, 1, 15], V.CLOSED_HH] = True
    grid.velocity[[0, 1, 15], V.CLOSED_HH] = 80
    grid.offset[[0, 1, 15], V.CLOSED_HH] = [-0.3, 0.2, 0.45]
    straight = render(grid, humanize=0.0)
    assert [n.start for n in straight] == [0.0, 0.25, 3.75]
    swung = render(grid, humanize=0.0, swing=0.66)
    assert np.isclose(swung[1].start, 0.25 + 0.33 / 4, atol=1 / 480)
    loose = render(grid, humanize=1.0)
    assert loose[0].start == 0.0                     # never before the clip
    assert all(n.start + n.duration <= 4.0 for n in loose)  # never past it


def test_tokens_round_trip_through_hits():
    tokens = np.array([0, 1, 5, 1023])
    hits = tokens_to_hits(tokens)
    assert hits.shape == (4, V.NUM_PIECES)
    assert ((hits.astype(int) << np.arange(V.NUM_PIECES)).sum(1) == tokens).all()


def test_a_32nd_roll_over_a_beat_becomes_four_roll_steps():
    notes = [Note(42, i / 8, 0.05, 90) for i in range(8)] + [Note(42, 2.0, 0.1, 70)]
    grid = quantize(notes, V.TD11_TO_PIECE, "4/4", 1)
    assert grid.hits[:4, V.HH_ROLL].all() and (grid.roll_div[:4] == 2).all()
    assert grid.hits[8, V.CLOSED_HH] and not grid.hits[8, V.HH_ROLL]
    triplets = [Note(42, i / 12, 0.05, 90) for i in range(6)]
    grid = quantize(triplets, V.TD11_TO_PIECE, "4/4", 1)
    assert (grid.roll_div[:2] == 3).all() and grid.hits[:2, V.HH_ROLL].all()
    assert len(render(grid, humanize=0.0)) == 6


def test_hat_flams_are_one_stroke_and_a_straddling_run_keeps_its_hits():
    flam = [Note(42, 1.0, 0.05, 60), Note(44, 1.02, 0.05, 90)]          # pedal + stick together
    grid = quantize(flam, V.TD11_TO_PIECE, "4/4", 1)
    assert grid.hits[:, V.HH_ROLL].sum() == 0 and grid.hits[4, V.CLOSED_HH]
    assert grid.velocity[4, V.CLOSED_HH] == 90
    run = [Note(42, p / 4, 0.05, 80) for p in (3.4, 3.85, 4.3)]          # 3 strokes over 2 steps
    grid = quantize(run, V.TD11_TO_PIECE, "4/4", 1)
    assert len(render(grid, humanize=0.0)) == 3


def test_read_midi_keeps_a_note_struck_again_before_its_note_off():
    import io

    import mido
    mid = mido.MidiFile(ticks_per_beat=480)
    tr = mido.MidiTrack()
    tr += [mido.Message("note_on", channel=9, note=42, velocity=80, time=0),
           mido.Message("note_on", channel=9, note=42, velocity=70, time=60),
           mido.Message("note_off", channel=9, note=42, velocity=0, time=60)]
    mid.tracks.append(tr)
    buf = io.BytesIO()
    mid.save(file=buf)
    notes = read_midi(buf.getvalue()).notes_by_channel[9]
    assert [(n.start, n.velocity) for n in notes] == [(0.0, 80), (0.125, 70)]


def test_render_never_makes_zero_length_or_overlapping_notes():
    rng = np.random.default_rng(0)
    for _ in range(50):
        grid = DrumGrid.empty("4/4", 2)
        grid.hits = rng.random(grid.hits.shape) < 0.5
        grid.velocity = rng.integers(1, 128, grid.hits.shape)
        grid.offset = rng.uniform(-0.5, 0.49, grid.hits.shape)
        grid.roll_div = rng.choice([2, 3], grid.n_steps)
        colliding = (36, 36, 42, 42, 43, 43, 43, 49, 49, 42)         # many pieces on one note
        for swing, humanize in ((0, 0), (1, 1), (0.66, 0.5)):
            notes = render(grid, colliding, swing, humanize)
            assert all(n.duration > 0 and 0 <= n.start and n.start + n.duration <= 8 for n in notes)
            by_pitch: dict[int, list[Note]] = {}
            for n in notes:
                by_pitch.setdefault(n.pitch, []).append(n)
            for same in by_pitch.values():
                for a, b in zip(same, same[1:], strict=False):
                    assert round((a.start + a.duration) * 480) <= round(b.start * 480)


def test_program_change_comes_before_the_first_note_and_offs_before_ons():
    import io

    import mido
    notes = [Note(36, 0.0, 0.25, 100), Note(36, 0.25, 0.25, 90)]
    data = write_midi(Song([Track("bass", notes, program=33, channel=1)], bpm=120,
                           key_signature="Am", length_beats=4))
    track = mido.MidiFile(file=io.BytesIO(data)).tracks[1]
    kinds = [m.type for m in track]
    assert kinds.index("program_change") < kinds.index("note_on")
    assert kinds[-1] == "end_of_track" and sum(m.time for m in track) == 4 * 480
    seq = [(m.type, m.time) for m in track if m.type in ("note_on", "note_off")]
    assert seq == [("note_on", 0), ("note_off", 120), ("note_on", 0), ("note_off", 120)]
    conductor = mido.MidiFile(file=io.BytesIO(data)).tracks[0]
    assert any(m.type == "key_signature" and m.key == "Am" for m in conductor)
