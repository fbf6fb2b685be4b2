"""MIDI files made in code for the hostile-input tests: valid files of many shapes (written by mido,
so running status, sysex and every message kind occur) and raw files no library would write."""

import io
import random

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
