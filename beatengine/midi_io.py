"""MIDI in and out: written here (meta events by mido), read by the hardened `midi_reader`.
Times are in beats (quarter notes) from the start of the clip."""

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
    track per part, every track ending at `length_beats` when given. Returns the file's bytes.

    Meta events are built with mido; note events are encoded directly, because building and
    validating a mido message per note costs ~10 ms for an 8-bar drum part, a third of the
    service's latency budget. Tests read every file back with mido and pretty_midi.
    """
    num, den = (int(x) for x in song.time_signature.split("/"))
    end = _beats_to_ticks(song.length_beats) if song.length_beats else None
    meta = [(0, _meta("set_tempo", tempo=mido.bpm2tempo(song.bpm))),
            (0, _meta("time_signature", numerator=num, denominator=den))]
    if song.key_signature:
        meta.append((0, _meta("key_signature", key=song.key_signature)))
    meta += [(_beats_to_ticks(b), _meta("marker", text=t)) for b, t in song.markers]
    chunks = [_track_chunk(meta, end)]
    for track in song.tracks:
        events = [(0, _meta("track_name", name=track.name)),
                  (0, bytes((0xC0 | track.channel, track.program)))]
        for on, off, n in _ticks(track.notes):
            events.append((on, bytes((0x90 | track.channel, n.pitch, n.velocity))))
            events.append((off, bytes((0x80 | track.channel, n.pitch, 0))))
        # at one tick: meta, then program change, then note-offs before note-ons (no overlaps)
        events.sort(key=lambda e: (e[0], _ORDER.get(e[1][0] & 0xF0, 0)))
        chunks.append(_track_chunk(events, end))
    header = b"MThd" + (6).to_bytes(4, "big") + (1).to_bytes(2, "big") + len(chunks).to_bytes(
        2, "big") + TICKS_PER_BEAT.to_bytes(2, "big")
    return header + b"".join(chunks)


_ORDER = {0xC0: 1, 0x80: 2, 0x90: 3}


def _ticks(notes: list[Note]) -> list[tuple[int, int, Note]]:
    """(on, off, note) ticks in the notes' order; a note struck again before it ended is cut where
    the new one starts, since a channel has one voice per pitch (the next note-on would otherwise
    be ended early)."""
    ticks = []
    for n in notes:
        on = _beats_to_ticks(n.start)
        ticks.append([on, max(on + 1, _beats_to_ticks(n.start + n.duration))])
    order = sorted(range(len(notes)), key=lambda i: (notes[i].pitch, ticks[i][0]))
    for a, b in zip(order, order[1:], strict=False):
        if notes[a].pitch == notes[b].pitch and ticks[a][1] > ticks[b][0]:
            ticks[a][1] = max(ticks[a][0] + 1, ticks[b][0])
    return [(on, off, n) for (on, off), n in zip(ticks, notes, strict=True)]


def _meta(kind: str, **fields) -> bytes:
    return bytes(mido.MetaMessage(kind, **fields).bytes())


def _vlq(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _track_chunk(events: list[tuple[int, bytes]], end: int | None) -> bytes:
    """Events at absolute ticks -> an MTrk chunk closed by end-of-track at `end` (or the last)."""
    body, last = bytearray(), 0
    for tick, data in sorted(events, key=lambda e: e[0]):
        body += _vlq(tick - last) + data
        last = tick
    body += _vlq(max(0, (end or last) - last)) + b"\xff\x2f\x00"
    return b"MTrk" + len(body).to_bytes(4, "big") + bytes(body)
