"""A hardened reader of Standard MIDI Files: one linear pass, bounded, strict where it matters.

Uploads come from clients that may be hostile, so this reader (not mido) parses them:

- mido reads a variable-length quantity byte by byte into an ever-growing integer, so a delta time
  of N 0xFF bytes costs O(N^2) (511 kB: 35 s) in code that cannot be interrupted; here a quantity
  longer than the 4 bytes the standard allows is refused at once;
- mido lets an event run past the end of its chunk into the next one; here every event, every
  chunk and every length must fit where it is said to be;
- mido takes metadata at face value (a time-signature denominator byte of 0xFF is 2**255); here a
  metre, a tempo, a key or a length that no music has is refused, so nothing absurd reaches a
  summary or the training data.

It also builds only what the engine uses (notes, the first tempo/metre/key, per-track facts) and
checks the request's deadline (`beatengine.budget`) between tracks and every few thousand events.
A 500 kB file of 30 tracks (58,000 notes): mido 0.7-1.0 s to read, 1.3 s to summarise; this reader
0.23 s (2 loaded cores). A pre-scan in front of mido would cost a walk like this one on top of mido;
symusic (C++) reads such a file in 6 ms but takes a denominator byte of 0xFF as 0, merges tracks
(the summary's per-track facts) and would parse hostile bytes in the server's own process.
"""

import struct
from dataclasses import dataclass, field
from pathlib import Path

from beatengine.budget import check_deadline
from beatengine.midi_io import Note


@dataclass
class ParsedMidi:
    """What `read_midi` finds: notes per channel in beats, plus tempo and metre."""
    notes_by_channel: dict[int, list[Note]]
    bpm: float
    time_signature: str
    ticks_per_beat: int
    length_beats: float


MAX_VLQ_BYTES = 4            # the standard's limit (values up to 0x0FFFFFFF)
MAX_TRACKS = 1024            # real songs have tens; the format allows 65535
MAX_EVENTS = 2_000_000       # ~4x what a 512 kB upload can hold (2 bytes an event at least)
MAX_BEATS = 100_000          # ~14 hours at 120 bpm
MAX_NUMERATOR = 32
MAX_DENOMINATOR_EXPONENT = 6  # 2**6: 1/64 notes
MIN_TEMPO_US = 60_000        # microseconds per beat: 1000 bpm
EVENTS_PER_DEADLINE_CHECK = 4096

# Data bytes after the status byte, for channel messages (by high nibble) and system messages.
_CHANNEL_DATA = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}
_SYSTEM_DATA = {0xF1: 1, 0xF2: 2, 0xF3: 1, 0xF6: 0, 0xF8: 0, 0xFA: 0, 0xFB: 0, 0xFC: 0, 0xFE: 0}
# Key signature (sharps or, when negative, flats) -> tonic, as mido names keys ("F#", "Bbm").
_MAJOR = "Cb Gb Db Ab Eb Bb F C G D A E B F# C#".split()
_MINOR = "Ab Eb Bb F C G D A E B F# C# G# D# A#".split()


class InvalidMidi(ValueError):
    """The bytes are not a Standard MIDI File this engine can read."""


@dataclass
class TrackFacts:
    """What one MTrk chunk holds, for the summary."""
    index: int
    name: str = ""
    program: int | None = None               # the first program change
    channels: set[int] = field(default_factory=set)  # 0-based, of struck notes
    notes: int = 0                            # note-ons with a velocity
    lowest: int = 127
    highest: int = 0


@dataclass
class MidiContents:
    """A file read by `read_smf`: its header, per-track facts, first key, and the notes in beats."""
    format: int
    ticks_per_beat: int
    tracks: list[TrackFacts]
    key_signature: str | None  # mido's key name, e.g. "Am" or "F#"
    parsed: ParsedMidi


def read_smf(data: bytes) -> MidiContents:
    """Parse a Standard MIDI File; raises InvalidMidi saying what is wrong, DeadlineExceeded
    when the current deadline passes first."""
    if not data.startswith(b"MThd"):
        raise InvalidMidi("not a Standard MIDI File (it does not start with the MThd header)")
    fmt, n_tracks, division, pos = _header(data)
    reader = _Reader(data, division)
    while len(reader.tracks) < n_tracks:
        check_deadline()
        if pos + 8 > len(data):
            raise _damaged(f"the header announces {n_tracks} tracks, the file ends after "
                           f"{len(reader.tracks)}")
        kind, length = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "big")
        start, end = pos + 8, pos + 8 + length
        if end > len(data):
            raise _damaged(f"the chunk at byte {pos} claims {length} bytes, only "
                           f"{len(data) - start} follow")
        if kind == b"MTrk":
            reader.track(start, end)
        # any other chunk is skipped, as the standard asks of readers
        pos = end
    return reader.contents(fmt)


def _damaged(what: str) -> InvalidMidi:
    return InvalidMidi(f"damaged MIDI file: {what}")


def _header(data: bytes) -> tuple[int, int, int, int]:
    """Format, track count, ticks per beat and where the first chunk starts; checked."""
    if len(data) < 14:
        raise _damaged("the header is cut short")
    length = int.from_bytes(data[4:8], "big")
    if length < 6 or 8 + length > len(data):
        raise _damaged(f"the header claims {length} bytes")
    fmt, n_tracks, division = struct.unpack(">HHh", data[8:14])
    if fmt == 2:
        raise InvalidMidi("MIDI type 2 (independent sequences) is not supported")
    if fmt > 2:
        raise InvalidMidi(f"MIDI format {fmt} does not exist (0, 1 or 2)")
    if division <= 0:
        raise InvalidMidi("SMPTE time division is not supported: the file needs ticks per beat"
                          if division < 0 else "the header gives 0 ticks per beat")
    if n_tracks > MAX_TRACKS:
        raise InvalidMidi(f"the file announces {n_tracks} tracks; at most {MAX_TRACKS} are read")
    return fmt, n_tracks, division, 8 + length


class _Reader:
    """Reads the tracks of one file in order, keeping what the engine uses."""

    def __init__(self, data: bytes, ticks_per_beat: int):
        self.data, self.tpb = data, ticks_per_beat
        self.max_ticks = MAX_BEATS * ticks_per_beat
        self.tracks: list[TrackFacts] = []
        self.by_channel: dict[int, list[Note]] = {}
        self.events = 0
        self.end_tick = 0
        self.bpm: float | None = None
        self.time_signature: str | None = None
        self.key_signature: str | None = None

    def contents(self, fmt: int) -> MidiContents:
        for notes in self.by_channel.values():
            notes.sort(key=lambda n: (n.start, n.pitch))
        parsed = ParsedMidi(self.by_channel, 120.0 if self.bpm is None else self.bpm,
                            self.time_signature or "4/4", self.tpb, self.end_tick / self.tpb)
        return MidiContents(fmt, self.tpb, self.tracks, self.key_signature, parsed)

    def _vlq(self, pos: int, end: int) -> tuple[int, int]:
        """The variable-length quantity at `pos` and where it ends; at most 4 bytes."""
        data, value = self.data, 0
        for i in range(pos, min(pos + MAX_VLQ_BYTES, end)):
            byte = data[i]
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                return value, i + 1
        if pos + MAX_VLQ_BYTES > end:
            raise _damaged(f"a variable-length number at byte {pos} runs past the end of its track")
        raise _damaged(f"a variable-length number at byte {pos} is longer than the "
                       f"{MAX_VLQ_BYTES} bytes the MIDI standard allows")

    def track(self, pos: int, end: int) -> None:
        """Read one MTrk chunk's events, from `pos` to `end`."""
        data, facts = self.data, TrackFacts(len(self.tracks))
        self.tracks.append(facts)
        notes = _TrackNotes(self.by_channel, self.tpb)
        tick = running = 0
        while pos < end:
            self.events += 1
            if not self.events % EVENTS_PER_DEADLINE_CHECK:
                self._check_budget()
            delta = data[pos]
            if delta < 0x80:
                pos += 1
            else:
                delta, pos = self._vlq(pos, end)
            tick += delta
            if tick > self.max_ticks:
                raise InvalidMidi(f"the file is longer than {MAX_BEATS} beats")
            if pos >= end:
                raise _damaged(f"track {facts.index} ends inside an event")
            status = data[pos]
            if status >= 0x80:
                pos += 1
            elif running:  # running status: data bytes straight away, the status is the last one
                status = running
            else:
                raise _damaged(f"a data byte at byte {pos} comes before any status byte")
            if status == 0xFF:  # meta events leave running status as it was (as mido does)
                pos = self._meta(pos, end, facts)
                if pos < 0:  # end of track: whatever follows in the chunk is ignored
                    break
            elif status in (0xF0, 0xF7):  # system exclusive: skipped
                pos, running = self._sysex(pos, end, facts.index), 0
            elif status < 0xF0:
                size = _CHANNEL_DATA[status & 0xF0]
                if pos + size > end:
                    raise _damaged(f"a message runs past the end of track {facts.index}")
                d1 = data[pos]
                d2 = data[pos + 1] if size == 2 else 0
                if (d1 | d2) & 0x80:
                    raise _damaged(f"a data byte at byte {pos} is over 127")
                pos, running = pos + size, status
                notes.message(status, d1, d2, tick, facts)
            else:
                pos, running = self._system(status, pos, end, facts.index), 0
        notes.close_open()
        self.end_tick = max(self.end_tick, tick)

    def _check_budget(self) -> None:
        if self.events > MAX_EVENTS:
            raise InvalidMidi(f"the file holds more than {MAX_EVENTS} events")
        check_deadline()

    def _sysex(self, pos: int, end: int, track: int) -> int:
        length, pos = self._vlq(pos, end)
        if pos + length > end:
            raise _damaged(f"a system-exclusive message runs past the end of track {track}")
        return pos + length

    def _system(self, status: int, pos: int, end: int, track: int) -> int:
        """Skip a system common or real-time message (rare in files, allowed by mido)."""
        size = _SYSTEM_DATA.get(status)
        if size is None:
            raise _damaged(f"undefined status byte 0x{status:02x} at byte {pos - 1}")
        if pos + size > end:
            raise _damaged(f"a message runs past the end of track {track}")
        if any(b & 0x80 for b in self.data[pos:pos + size]):
            raise _damaged(f"a data byte at byte {pos} is over 127")
        return pos + size

    def _meta(self, pos: int, end: int, facts: TrackFacts) -> int:
        """Read the meta event whose type byte is at `pos`; where the next event starts, or -1
        at the end of the track."""
        if pos >= end:
            raise _damaged(f"a meta event runs past the end of track {facts.index}")
        kind = self.data[pos]
        length, pos = self._vlq(pos + 1, end)
        if pos + length > end:
            raise _damaged(f"a meta event of {length} bytes runs past the end of track "
                           f"{facts.index}")
        payload = self.data[pos:pos + length]
        if kind == 0x2F:
            return -1
        if kind == 0x03 and not facts.name:
            facts.name = _clean(payload.decode("latin-1"))
        elif kind == 0x51:
            bpm = _bpm(payload)
            if self.bpm is None:
                self.bpm = bpm
        elif kind == 0x58:
            metre = _metre(payload)
            self.time_signature = self.time_signature or metre
        elif kind == 0x59:
            key = _key(payload)
            self.key_signature = self.key_signature or key
        return pos + length


class _TrackNotes:
    """Pairs note-ons with note-offs within one track, as notes in beats."""

    def __init__(self, by_channel: dict[int, list[Note]], ticks_per_beat: int):
        self.by_channel, self.tpb = by_channel, ticks_per_beat
        self.open: dict[tuple[int, int], tuple[int, int]] = {}  # (channel, pitch) -> tick, velocity

    def message(self, status: int, d1: int, d2: int, tick: int, facts: TrackFacts) -> None:
        """One channel message at `tick`; only notes and the first program change matter."""
        kind = status & 0xF0
        if kind == 0x90 and d2:
            key = (status & 0x0F, d1)
            if key in self.open:  # struck again before its note-off: close the first one
                self._add(key, tick)
            self.open[key] = (tick, d2)
            facts.channels.add(key[0])
            facts.notes += 1
            if d1 < facts.lowest:
                facts.lowest = d1
            if d1 > facts.highest:
                facts.highest = d1
        elif kind == 0x80 or kind == 0x90:
            key = (status & 0x0F, d1)
            if key in self.open:
                self._add(key, tick)
                del self.open[key]
        elif kind == 0xC0 and facts.program is None:
            facts.program = d1

    def _add(self, key: tuple[int, int], tick: int) -> None:
        t0, velocity = self.open[key]
        self.by_channel.setdefault(key[0], []).append(
            Note(key[1], t0 / self.tpb, max(tick - t0, 1) / self.tpb, velocity))

    def close_open(self) -> None:
        """Notes never switched off get a 16th."""
        for (channel, pitch), (t0, velocity) in self.open.items():
            self.by_channel.setdefault(channel, []).append(Note(pitch, t0 / self.tpb, 0.25, velocity))


def _clean(text: str) -> str:
    """Track names often come NUL-padded from hardware sequencers."""
    return "".join(ch for ch in text if ch >= " " and ch != "\x7f").strip()


def _bpm(payload: bytes) -> float:
    if len(payload) != 3:
        raise _damaged(f"a tempo event holds {len(payload)} bytes, not 3")
    tempo = int.from_bytes(payload, "big")
    if tempo < MIN_TEMPO_US:
        raise InvalidMidi(f"tempo of {tempo} microseconds per beat is not music (over 1000 bpm)"
                          if tempo else "tempo 0 is not a tempo")
    return 60_000_000 / tempo


def _metre(payload: bytes) -> str:
    if len(payload) < 2:
        raise _damaged(f"a time-signature event holds {len(payload)} bytes, not 4")
    numerator, exponent = payload[0], payload[1]
    if exponent > MAX_DENOMINATOR_EXPONENT:
        raise InvalidMidi(f"time signature denominator 2^{exponent} is finer than 1/64: not a metre")
    if not 0 < numerator <= MAX_NUMERATOR:
        raise InvalidMidi(f"time signature {numerator}/{2 ** exponent} is not a metre "
                          f"(1 to {MAX_NUMERATOR} beats a bar)")
    return f"{numerator}/{2 ** exponent}"


def _key(payload: bytes) -> str:
    if len(payload) != 2:
        raise _damaged(f"a key-signature event holds {len(payload)} bytes, not 2")
    sharps, minor = int.from_bytes(payload[:1], "big", signed=True), payload[1]
    if not -7 <= sharps <= 7 or minor > 1:
        raise InvalidMidi(f"key signature ({sharps} sharps, mode {minor}) is not a key")
    return _MINOR[sharps + 7] + "m" if minor else _MAJOR[sharps + 7]


def read_midi(source: str | bytes) -> ParsedMidi:
    """Parse a Standard MIDI File (path or bytes) with the hardened reader; raises ValueError
    (InvalidMidi) on anything that is not MIDI or holds what no music has."""
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        raise InvalidMidi(f"not a valid MIDI file: {exc}") from exc
    try:
        return read_smf(data).parsed
    except InvalidMidi as exc:
        raise InvalidMidi(f"not a valid MIDI file: {exc}") from exc
