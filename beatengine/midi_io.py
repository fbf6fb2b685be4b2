"""MIDI in and out with mido. Times are in beats (quarter notes) from the start of the clip."""

import io
from dataclasses import dataclass, field

import mido

TICKS_PER_BEAT = 480
DRUM_CHANNEL = 9  # channel 10 in 1-based numbering


@dataclass(frozen=True)
class Note:
    pitch: int
    start: float      # beats
    duration: float   # beats
    velocity: int


@dataclass
class Track:
    name: str
    notes: list[Note]
    is_drum: bool = False
    program: int = 0
    channel: int = 0


@dataclass
class Song:
    tracks: list[Track]
    bpm: float
    time_signature: str = "4/4"
    key_signature: str | None = None  # mido key name, e.g. "Am" or "F#"
    markers: list[tuple[float, str]] = field(default_factory=list)
    length_beats: float | None = None  # every track ends exactly here (the clip's length)


def _beats_to_ticks(beats: float) -> int:
    return int(round(beats * TICKS_PER_BEAT))


def write_midi(song: Song) -> bytes:
    """Write a type-1 Standard MIDI File: a conductor track (tempo, metre, key, markers), then one
    track per part. Returns the file's bytes."""
    num, den = (int(x) for x in song.time_signature.split("/"))
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    conductor = mido.MidiTrack()
    meta: list[tuple[int, mido.MetaMessage]] = [
        (0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(song.bpm))),
        (0, mido.MetaMessage("time_signature", numerator=num, denominator=den)),
    ]
    if song.key_signature:
        meta.append((0, mido.MetaMessage("key_signature", key=song.key_signature)))
    meta += [(_beats_to_ticks(b), mido.MetaMessage("marker", text=t)) for b, t in song.markers]
    end = _beats_to_ticks(song.length_beats) if song.length_beats else None
    conductor.extend(_to_delta(meta, end))
    mid.tracks.append(conductor)

    for track in song.tracks:
        mt = mido.MidiTrack()
        events: list[tuple[int, mido.Message | mido.MetaMessage]] = [
            (0, mido.MetaMessage("track_name", name=track.name)),
            (0, mido.Message("program_change", channel=track.channel, program=track.program)),
        ]
        for n in track.notes:
            on = _beats_to_ticks(n.start)
            off = max(on + 1, _beats_to_ticks(n.start + n.duration))
            events.append((on, mido.Message("note_on", channel=track.channel, note=n.pitch,
                                            velocity=n.velocity)))
            events.append((off, mido.Message("note_off", channel=track.channel, note=n.pitch,
                                             velocity=0)))
        # note_off before note_on at the same tick so repeated pitches never overlap
        events.sort(key=lambda e: (e[0], e[1].type != "note_off"))
        mt.extend(_to_delta(events, end))
        mid.tracks.append(mt)

    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


def _to_delta(events: list[tuple[int, mido.Message | mido.MetaMessage]],
              end: int | None = None) -> list:
    """Absolute ticks -> delta times, closed by an end_of_track at `end` (or the last event)."""
    out, last = [], 0
    for tick, msg in sorted(events, key=lambda e: e[0]):
        out.append(msg.copy(time=tick - last))
        last = tick
    out.append(mido.MetaMessage("end_of_track", time=max(0, (end or last) - last)))
    return out


@dataclass
class ParsedMidi:
    """What `read_midi` finds: notes per channel in beats, plus tempo and metre."""
    notes_by_channel: dict[int, list[Note]]
    bpm: float
    time_signature: str
    ticks_per_beat: int
    length_beats: float


def read_midi(source: str | bytes) -> ParsedMidi:
    """Parse a Standard MIDI File (path or bytes). Raises ValueError on anything that is not MIDI."""
    try:
        mid = (mido.MidiFile(file=io.BytesIO(source)) if isinstance(source, bytes)
               else mido.MidiFile(source))
    except (OSError, EOFError, ValueError, KeyError, IndexError) as exc:
        raise ValueError(f"not a valid MIDI file: {exc}") from exc
    tpb = mid.ticks_per_beat
    bpm, ts = 120.0, "4/4"
    seen_tempo = seen_ts = False
    by_channel: dict[int, list[Note]] = {}
    end_tick = 0
    for track in mid.tracks:
        tick = 0
        open_notes: dict[tuple[int, int], tuple[int, int]] = {}
        for msg in track:
            tick += msg.time
            if msg.type == "set_tempo" and not seen_tempo:
                bpm, seen_tempo = mido.tempo2bpm(msg.tempo), True
            elif msg.type == "time_signature" and not seen_ts:
                ts, seen_ts = f"{msg.numerator}/{msg.denominator}", True
            elif msg.type == "note_on" and msg.velocity > 0:
                open_notes[(msg.channel, msg.note)] = (tick, msg.velocity)
            elif msg.type in ("note_off", "note_on"):
                start = open_notes.pop((msg.channel, msg.note), None)
                if start is not None:
                    by_channel.setdefault(msg.channel, []).append(
                        Note(msg.note, start[0] / tpb, max(tick - start[0], 1) / tpb, start[1]))
        for (channel, pitch), (t0, vel) in open_notes.items():  # never closed: give a 16th
            by_channel.setdefault(channel, []).append(Note(pitch, t0 / tpb, 0.25, vel))
        end_tick = max(end_tick, tick)
    for notes in by_channel.values():
        notes.sort(key=lambda n: (n.start, n.pitch))
    return ParsedMidi(by_channel, bpm, ts, tpb, end_tick / tpb)
