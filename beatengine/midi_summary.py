"""What a MIDI file holds, in a producer's terms: tracks, bars, tempo, metre and key."""

import io
import math

import mido

from beatengine.midi_io import DRUM_CHANNEL, parse_midi_file
from beatengine.theory import ks_key


class InvalidMidi(ValueError):
    """The bytes are not a Standard MIDI File this engine can read."""


def _key_signature_name(key: str) -> str:
    """mido's key signature ("Am", "F#", "Bb") as the API writes keys ("A minor")."""
    return f"{key[:-1]} minor" if key.endswith("m") else f"{key} major"


def summarize_midi(data: bytes) -> dict:
    """The parsed summary of a Standard MIDI File; raises InvalidMidi saying what is wrong."""
    try:
        return _summarize(data)
    except InvalidMidi:
        raise
    except Exception as exc:  # whatever else a hostile file trips: still the file's fault
        raise InvalidMidi(f"unreadable MIDI file: {type(exc).__name__}: {exc}") from exc


def _clean(text: str) -> str:
    """Track names often come NUL-padded from hardware sequencers."""
    return "".join(ch for ch in text if ch >= " " and ch != "\x7f").strip()


def _summarize(data: bytes) -> dict:
    if not data.startswith(b"MThd"):
        raise InvalidMidi("not a Standard MIDI File (it does not start with the MThd header)")
    try:
        mid = mido.MidiFile(file=io.BytesIO(data))
        parsed = parse_midi_file(mid)  # the notes, tempo and metre of the file read once
    except Exception as exc:  # mido raises many types on damaged files; all mean the same here
        raise InvalidMidi(f"damaged MIDI file: {type(exc).__name__}: {exc}") from exc
    if mid.type == 2:
        raise InvalidMidi("MIDI type 2 (independent sequences) is not supported")
    if mid.ticks_per_beat <= 0:
        raise InvalidMidi("SMPTE time division is not supported: the file needs ticks per beat")
    tracks, key_signature = [], None
    for i, track in enumerate(mid.tracks):
        name, channels, program, notes, pitches = "", set(), None, 0, []
        for msg in track:
            if msg.type == "track_name" and not name:
                name = _clean(msg.name)
            elif msg.type == "key_signature" and key_signature is None:
                key_signature = _key_signature_name(msg.key)
            elif msg.type == "program_change" and program is None:
                program = msg.program
            elif msg.type == "note_on" and msg.velocity > 0:
                channels.add(msg.channel)
                notes += 1
                pitches.append(msg.note)
        if notes:
            tracks.append({"index": i, "name": name or f"track {i + 1}",
                           "channels": sorted(c + 1 for c in channels),
                           "is_drum": channels == {DRUM_CHANNEL}, "program": program or 0,
                           "notes": notes, "lowest": min(pitches), "highest": max(pitches)})
    pitched = [n for ch, ns in parsed.notes_by_channel.items() if ch != DRUM_CHANNEL for n in ns]
    estimated = ks_key(pitched)
    num, _, den = parsed.time_signature.partition("/")
    if int(num) <= 0 or int(den) <= 0:
        raise InvalidMidi(f"time signature {parsed.time_signature} is not a metre")
    bar = int(num) * 4 / int(den)  # quarter-note beats per bar (6/8: 3)
    return {
        "format": mid.type, "ticks_per_beat": mid.ticks_per_beat, "tracks": tracks,
        "notes": sum(t["notes"] for t in tracks), "bpm": round(parsed.bpm, 3),
        "time_signature": parsed.time_signature, "length_beats": round(parsed.length_beats, 4),
        "bars": math.ceil(round(parsed.length_beats / bar, 6)),
        "key": key_signature or (str(estimated) if estimated else None),
        "key_source": "key_signature" if key_signature else ("estimated" if estimated else None),
    }
