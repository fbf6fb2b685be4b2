"""The hardened MIDI reader: the same notes, tempo, metre and track facts as mido on valid files;
a clear refusal, at once, of what is damaged or absurd; the request's deadline honoured."""

import io
import random
import time

import mido
import pytest

from beatengine.budget import DeadlineExceeded, deadline
from beatengine.midi_reader import MAX_BEATS, InvalidMidi, read_midi, read_smf
from tests.midi_hostile import END, NOTE, large_song, random_song, smf, time_signature_file, varint_bomb


def mido_reading(data: bytes) -> dict:
    """What mido finds in a valid file, walked the way the engine always has (the oracle)."""
    mid = mido.MidiFile(file=io.BytesIO(data))
    tpb, by_channel, end, tracks = mid.ticks_per_beat, {}, 0, []
    tempo = metre = key = None
    for i, track in enumerate(mid.tracks):
        tick, open_notes, facts = 0, {}, {"index": i, "name": "", "program": None, "channels": set(),
                                          "pitches": []}
        for msg in track:
            tick += msg.time
            if msg.type == "set_tempo":
                tempo = tempo or mido.tempo2bpm(msg.tempo)
            elif msg.type == "time_signature":
                metre = metre or f"{msg.numerator}/{msg.denominator}"
            elif msg.type == "key_signature":
                key = key or msg.key
            elif msg.type == "track_name" and not facts["name"]:
                facts["name"] = "".join(c for c in msg.name if c >= " " and c != "\x7f").strip()
            elif msg.type == "program_change" and facts["program"] is None:
                facts["program"] = msg.program
            elif msg.type == "note_on" and msg.velocity > 0:
                if (msg.channel, msg.note) in open_notes:
                    t0, v = open_notes[(msg.channel, msg.note)]
                    by_channel.setdefault(msg.channel, []).append(
                        (msg.note, t0 / tpb, max(tick - t0, 1) / tpb, v))
                open_notes[(msg.channel, msg.note)] = (tick, msg.velocity)
                facts["channels"].add(msg.channel)
                facts["pitches"].append(msg.note)
            elif msg.type in ("note_off", "note_on") and (msg.channel, msg.note) in open_notes:
                t0, v = open_notes.pop((msg.channel, msg.note))
                by_channel.setdefault(msg.channel, []).append(
                    (msg.note, t0 / tpb, max(tick - t0, 1) / tpb, v))
        for (channel, pitch), (t0, v) in open_notes.items():
            by_channel.setdefault(channel, []).append((pitch, t0 / tpb, 0.25, v))
        end = max(end, tick)
        tracks.append(facts)
    return {"notes": {c: sorted(ns, key=lambda n: (n[1], n[0])) for c, ns in by_channel.items()},
            "bpm": tempo or 120.0, "metre": metre or "4/4", "key": key, "length": end / tpb,
            "tracks": [(t["index"], t["name"], t["program"], t["channels"], len(t["pitches"]),
                        min(t["pitches"], default=127), max(t["pitches"], default=0)) for t in tracks]}


def our_reading(data: bytes) -> dict:
    c = read_smf(data)
    p = c.parsed
    return {"notes": {ch: [(n.pitch, n.start, n.duration, n.velocity) for n in ns]
                      for ch, ns in p.notes_by_channel.items()},
            "bpm": p.bpm, "metre": p.time_signature, "key": c.key_signature, "length": p.length_beats,
            "tracks": [(t.index, t.name, t.program, t.channels, t.notes, t.lowest, t.highest)
                       for t in c.tracks]}


@pytest.mark.parametrize("seed", range(40))
def test_reads_what_mido_reads_in_valid_files(seed):
    rng = random.Random(seed)
    data = random_song(rng, tracks=rng.randint(1, 5), events=rng.randint(0, 300))
    assert our_reading(data) == mido_reading(data)


def test_reads_a_500_kB_file_as_mido_does():
    data = large_song(500_000)
    assert 450_000 < len(data) <= 500_000
    ours = our_reading(data)
    assert ours == mido_reading(data) and sum(len(n) for n in ours["notes"].values()) > 50_000


def test_type_0_files_running_status_and_unknown_chunks_are_read():
    # running status (the second note-on has no status byte), an alien chunk the standard says to skip
    body = b"\x00\x90\x3c\x40" + b"\x00\x40\x40" + b"\x60\x80\x3c\x00\x00\x40\x00" + END
    data = smf([body], fmt=0)
    data = data[:14] + b"XFIH" + (3).to_bytes(4, "big") + b"abc" + data[14:]
    notes = read_smf(data).parsed.notes_by_channel[0]
    assert [(n.pitch, n.start, n.duration) for n in notes] == [(60, 0.0, 0.2), (64, 0.0, 0.2)]


@pytest.mark.parametrize("data, words", [
    (varint_bomb(5), "longer than the 4 bytes"),
    (smf([b"\x00\xff\x01\x80\x80\x80\x80\x01a" + END]), "longer than the 4 bytes"),  # meta length
    (smf([b"\x00\xf0\xff\xff\xff\xff\x7f" + END]), "longer than the 4 bytes"),       # sysex length
    (smf([NOTE + END])[:-3], "claims 12 bytes, only 9 follow"),
    (smf([NOTE + END], n_tracks=2), "announces 2 tracks, the file ends after 1"),
    (smf([b"\x00\xff\x03\x10ab" + END]), "meta event of 16 bytes runs past the end"),
    (smf([b"\x00\x90\x3c"]), "runs past the end of track 0"),
    (smf([b"\x00\x3c\x40" + END]), "before any status byte"),
    (smf([b"\x00\x90\x3c\xc0" + END]), "over 127"),
    (smf([b"\x00\xf4" + END]), "undefined status byte 0xf4"),
    (smf([b"\x8f\xff\xff\x7f\x90\x3c\x40" + END], division=1), f"longer than {MAX_BEATS} beats"),
    (smf([NOTE + END], fmt=3), "format 3 does not exist"),
    (smf([NOTE + END], division=0), "0 ticks per beat"),
    (smf([END] * 2, n_tracks=1025), "1025 tracks"),
    (time_signature_file(4, 0xFF), "finer than 1/64"),
    (time_signature_file(4, 7), "finer than 1/64"),
    (time_signature_file(0, 2), "0/4 is not a metre"),
    (time_signature_file(33, 2), "33/4 is not a metre"),
    (smf([b"\x00\xff\x51\x03\x00\x00\x00" + NOTE + END]), "tempo 0"),
    (smf([b"\x00\xff\x51\x03\x00\x00\x01" + NOTE + END]), "over 1000 bpm"),
    (smf([b"\x00\xff\x51\x02\x07\xa1" + NOTE + END]), "tempo event holds 2 bytes"),
    (smf([b"\x00\xff\x59\x02\x08\x00" + NOTE + END]), "is not a key"),
    (smf([b"\x00\xff\x58\x01\x04" + NOTE + END]), "time-signature event holds 1 bytes")])
def test_damaged_or_absurd_files_are_refused_saying_why(data, words):
    with pytest.raises(InvalidMidi, match=words):
        read_smf(data)
    with pytest.raises(ValueError, match="not a valid MIDI file"):
        read_midi(data)


def test_a_later_absurd_time_signature_is_refused_too():
    late = b"\x60\xff\x58\x04\x04\xff\x18\x08"
    with pytest.raises(InvalidMidi, match="finer than 1/64"):
        read_smf(smf([b"\x00\xff\x58\x04\x03\x02\x18\x08" + NOTE + late + END]))


@pytest.mark.parametrize("size", [100_000, 500_000, 5_000_000])
def test_a_varint_bomb_is_refused_at_its_fifth_byte(size):
    start = time.process_time()
    with pytest.raises(InvalidMidi, match="at byte 22 is longer than the 4 bytes"):
        read_smf(varint_bomb(size))
    assert time.process_time() - start < 0.5  # a safety bound: mido took 35 s for 511 kB


def test_a_slow_parse_stops_at_its_deadline():
    data = large_song(100_000)
    read_smf(data)  # fine without a deadline
    with deadline(0.0), pytest.raises(DeadlineExceeded):
        read_smf(data)
