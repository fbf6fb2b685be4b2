"""MIDI files made in code for the hostile-input tests and bench/fuzz_midi.py: valid files of many
shapes (written by mido, so running status, sysex and every message kind occur), raw files no
library would write, and seeded mutants of the valid ones."""

import io
import math
import random
from collections.abc import Callable, Iterator

import mido

from beatengine.midi_io import Note, Song, Track, write_midi

TPB = 480


def smf(tracks: list[bytes], division: int = TPB, fmt: int = 1, n_tracks: int | None = None) -> bytes:
    """A Standard MIDI File from raw track bodies."""
    head = b"MThd" + (6).to_bytes(4, "big") + fmt.to_bytes(2, "big") + (
        len(tracks) if n_tracks is None else n_tracks).to_bytes(2, "big") + division.to_bytes(2, "big")
    return head + b"".join(b"MTrk" + len(t).to_bytes(4, "big") + t for t in tracks)


NOTE = b"\x00\x90\x3c\x40\x60\x80\x3c\x00"  # middle C for 96 ticks
END = b"\x00\xff\x2f\x00"


def varint_bomb(n: int) -> bytes:
    """A type-1 file whose first delta time is `n` bytes of 0xFF (issue 11's repro)."""
    body = b"\xff" * n + b"\x00\x90\x3c\x64\x00\xff\x2f\x00"
    return (b"MThd" + (6).to_bytes(4, "big") + b"\x00\x01\x00\x01\x01\xe0" + b"MTrk"
            + len(body).to_bytes(4, "big") + body)


def time_signature_file(numerator: int, exponent: int) -> bytes:
    """One note under a time signature of numerator / 2**exponent, bytes as given."""
    return smf([bytes([0, 0xFF, 0x58, 4, numerator, exponent, 0x18, 8]) + NOTE + END], fmt=0)


def save(mid: mido.MidiFile) -> bytes:
    out = io.BytesIO()
    mid.save(file=out)
    return out.getvalue()


def random_song(rng: random.Random, tracks: int = 3, events: int = 60) -> bytes:
    """A valid type-1 file of every message kind the reader meets in real files: a conductor track
    (tempo, metre, key, markers), then parts with notes (note-off or note-on 0, overlaps, a note
    struck again before its off, one never closed), programs, controls, pitch bends, sysex, text."""
    mid = mido.MidiFile(ticks_per_beat=rng.choice([96, 480, 960]))
    den = rng.choice([2, 4, 8, 16])
    mid.tracks.append(mido.MidiTrack([
        mido.MetaMessage("set_tempo", tempo=rng.randrange(250_000, 1_500_000)),
        mido.MetaMessage("time_signature", numerator=rng.randint(1, 13), denominator=den),
        mido.MetaMessage("key_signature", key=rng.choice(["C", "Am", "F#", "Bbm", "Eb", "C#m"])),
        mido.MetaMessage("marker", text="intro", time=rng.randrange(0, 2000))]))
    for _ in range(tracks):
        mid.tracks.append(_random_part(rng, events))
    return save(mid)


def _random_part(rng: random.Random, events: int) -> mido.MidiTrack:
    channel = rng.choice([0, 1, 2, 9])
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=rng.choice(["bass", "drums\0\0", ""])),
                            mido.Message("program_change", channel=channel, program=rng.randrange(128))])
    sounding: list[int] = []
    for _ in range(events):
        delta = rng.choice([0, 0, 1, 60, 120, 480, 20_000])
        roll = rng.random()
        if roll < 0.45 or not sounding:
            pitch = rng.choice(sounding) if sounding and rng.random() < 0.1 else rng.randrange(128)
            track.append(mido.Message("note_on", channel=channel, note=pitch,
                                      velocity=rng.randrange(1, 128), time=delta))
            sounding.append(pitch)
        elif roll < 0.85:
            pitch = sounding.pop(rng.randrange(len(sounding)))
            off = (mido.Message("note_off", channel=channel, note=pitch, velocity=64, time=delta)
                   if rng.random() < 0.5 else
                   mido.Message("note_on", channel=channel, note=pitch, velocity=0, time=delta))
            track.append(off)
        else:
            track.append(rng.choice([
                mido.Message("control_change", channel=channel, control=7, value=100, time=delta),
                mido.Message("pitchwheel", channel=channel, pitch=rng.randrange(-8192, 8192), time=delta),
                mido.Message("aftertouch", channel=channel, value=50, time=delta),
                mido.Message("program_change", channel=channel, program=rng.randrange(128), time=delta),
                mido.Message("sysex", data=[0x7E, 0x7F, 0x09, 0x01], time=delta),
                mido.MetaMessage("text", text="verse", time=delta)]))
    track.append(mido.MetaMessage("end_of_track", time=rng.choice([0, 960])))
    return track


def large_song(target_bytes: int = 500_000, seed: int = 0) -> bytes:
    """A valid file of at most `target_bytes`: a conductor, then parts of 2,000 notes (16ths to
    half notes, some chords) on 16 channels, as many as fit; written by the engine's writer."""
    rng = random.Random(seed)
    parts: list[Track] = []
    size = len(write_midi(Song([], bpm=120.0)))
    while True:
        channel = len(parts) % 16
        beat, notes = 0.0, []
        for _ in range(2000):
            beat += rng.choice([0.0, 0.25, 0.5, 1.0])
            notes.append(Note(rng.randrange(30, 90), beat, rng.choice([0.25, 0.5, 2.0]),
                              rng.randrange(1, 128)))
        part = Track(f"part {len(parts)}", notes, channel == 9, rng.randrange(128), channel)
        size += len(write_midi(Song([part], bpm=120.0))) - len(write_midi(Song([], bpm=120.0)))
        if size > target_bytes:
            return write_midi(Song(parts, bpm=120.0))
        parts.append(part)


def fixtures(rng: random.Random) -> list[bytes]:
    """Valid files of several shapes: mido-written songs (running status, sysex, every message
    kind), an engine-written drum part, a type-0 file."""
    drums = [Note(36 + (i % 3) * 2, i * 0.5, 0.25, 100) for i in range(32)]
    return [*(random_song(rng, tracks=rng.randint(1, 4), events=rng.randint(20, 120)) for _ in range(6)),
            write_midi(Song([Track("drums", drums, is_drum=True, channel=9)], bpm=140.0,
                            time_signature="7/8", key_signature="F#m", length_beats=16.0)),
            smf([b"\x00\xff\x03\x04lead" + NOTE * 8 + b"\x00\xf0\x03\x7e\x01\xf7" + NOTE + END], fmt=0)]


def chunks(data: bytes) -> list[tuple[int, int]]:
    """(offset, length) of each chunk after the header (of a file already mutated: the first)."""
    out, pos = [], 14
    while pos + 8 <= len(data) and (not out or pos + 8 + out[-1][1] <= len(data)):
        length = int.from_bytes(data[pos + 4:pos + 8], "big")
        out.append((pos, length))
        pos += 8 + length
    return out


def _insert_in_track(rng: random.Random, data: bytes, event: bytes) -> bytes:
    """`event` put at the start of a random track, its chunk length made to match."""
    pos, length = rng.choice(chunks(data) or [(14, 0)])
    body = event + data[pos + 8:pos + 8 + length]
    return data[:pos + 4] + len(body).to_bytes(4, "big") + body + data[pos + 8 + length:]


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(len(data))]


def insert_bytes(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(14, len(data))
    return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + data[at:]


def duplicate_span(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data))
    span = data[at:at + rng.randint(1, 64)]
    return data[:at] + span * rng.randint(2, 20) + data[at:]


def lie_about_a_chunk_length(rng: random.Random, data: bytes) -> bytes:
    pos, length = rng.choice(chunks(data) or [(14, 0)])
    lie = rng.choice([0, 1, length - 1, length + 1, length * 2, 0x7FFFFFFF, 0xFFFFFFFF,
                      rng.randrange(2 ** 32)])
    return data[:pos + 4] + min(max(0, lie), 0xFFFFFFFF).to_bytes(4, "big") + data[pos + 8:]


def lie_in_the_header(rng: random.Random, data: bytes) -> bytes:
    field = rng.choice([4, 8, 10, 12])  # header length, format, track count, division
    size = 4 if field == 4 else 2
    return data[:field] + rng.randrange(2 ** (8 * size)).to_bytes(size, "big") + data[field + size:]


def huge_varint(rng: random.Random, data: bytes) -> bytes:
    """A delta time (or a meta event's length) of 5 to 4,000 bytes."""
    filler = bytes([rng.choice([0x80, 0x81, 0xFF])]) * rng.choice([4, 5, 8, 100, 4000])
    event = filler + b"\x00\x90\x3c\x40" if rng.random() < 0.5 else b"\x00\xff\x01" + filler + b"\x01a"
    return _insert_in_track(rng, data, event)


def absurd_meta(rng: random.Random, data: bytes) -> bytes:
    """A time signature, tempo, key or text event with any bytes at all."""
    kind = rng.choice([0x58, 0x51, 0x59, 0x03])
    length = rng.choice([0, 1, 2, 3, 4, 5, 200])
    payload = bytes(rng.choice([0, 1, 7, 32, 33, 0x7F, 0xFF, rng.randrange(256)])
                    for _ in range(min(length, rng.choice([length, 2]))))
    return _insert_in_track(rng, data, b"\x00\xff" + bytes([kind, length]) + payload)


def huge_delta(rng: random.Random, data: bytes) -> bytes:
    """A valid 4-byte delta time, up to 0x0FFFFFFF ticks: a file too long to be music."""
    return _insert_in_track(rng, data, rng.choice([b"\xff\xff\xff\x7f", b"\x8f\xff\xff\x7f",
                                                   b"\x81\x80\x80\x00"]) + b"\x90\x3c\x40")


MUTATORS: list[Callable[[random.Random, bytes], bytes]] = [
    flip_bytes, truncate, insert_bytes, duplicate_span, lie_about_a_chunk_length, lie_in_the_header,
    huge_varint, absurd_meta, huge_delta]


def mutants(seed: int, n: int) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(seed)
    bases = fixtures(rng)
    for i in range(n):
        mutate = MUTATORS[i % len(MUTATORS)]
        data = rng.choice(bases)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):  # some mutants are mutated again
            data = mutate(rng, data) if len(data) > 14 else data
        yield mutate.__name__, data
    yield "varint bomb 100 kB", varint_bomb(100_000)
    yield "varint bomb 500 kB", varint_bomb(500_000)


def assert_sane(summary: dict) -> None:
    """What a client is told about an accepted file is music: a metre, a tempo, a length."""
    num, den = (int(x) for x in summary["time_signature"].split("/"))
    assert 1 <= num <= 32 and den in (1, 2, 4, 8, 16, 32, 64), summary
    assert 3.5 < summary["bpm"] <= 1000, summary
    assert 0 <= summary["length_beats"] <= 100_000, summary
    assert summary["bars"] == math.ceil(round(summary["length_beats"] / (num * 4 / den), 6)), summary
    for t in summary["tracks"]:
        assert 0 <= t["lowest"] <= t["highest"] <= 127 and set(t["channels"]) <= set(range(1, 17))
