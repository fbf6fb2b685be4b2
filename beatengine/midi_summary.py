"""What a MIDI file holds, in a producer's terms: tracks, bars, tempo, metre and key."""

import math

from beatengine.budget import DeadlineExceeded
from beatengine.midi_io import DRUM_CHANNEL
from beatengine.midi_reader import InvalidMidi, MidiContents, read_smf
from beatengine.theory import ks_key

__all__ = ["InvalidMidi", "summarize_midi"]


def _key_signature_name(key: str) -> str:
    """mido's key signature ("Am", "F#", "Bb") as the API writes keys ("A minor")."""
    return f"{key[:-1]} minor" if key.endswith("m") else f"{key} major"


def summarize_midi(data: bytes) -> dict:
    """The parsed summary of a Standard MIDI File; raises InvalidMidi saying what is wrong (and
    DeadlineExceeded when the current deadline passes first)."""
    try:
        return _summarize(read_smf(data))
    except (InvalidMidi, DeadlineExceeded):
        raise
    except Exception as exc:  # a reader bug a hostile file trips: still answered as the file's
        raise InvalidMidi(f"unreadable MIDI file: {type(exc).__name__}: {exc}") from exc


def _summarize(contents: MidiContents) -> dict:
    parsed = contents.parsed
    tracks = [{"index": t.index, "name": t.name or f"track {t.index + 1}",
               "channels": sorted(c + 1 for c in t.channels),
               "is_drum": t.channels == {DRUM_CHANNEL}, "program": t.program or 0,
               "notes": t.notes, "lowest": t.lowest, "highest": t.highest}
              for t in contents.tracks if t.notes]
    key_signature = contents.key_signature and _key_signature_name(contents.key_signature)
    pitched = [n for ch, ns in parsed.notes_by_channel.items() if ch != DRUM_CHANNEL for n in ns]
    estimated = ks_key(pitched)
    num, _, den = parsed.time_signature.partition("/")
    bar = int(num) * 4 / int(den)  # quarter-note beats per bar (6/8: 3); the reader checked both
    return {
        "format": contents.format, "ticks_per_beat": contents.ticks_per_beat, "tracks": tracks,
        "notes": sum(t["notes"] for t in tracks), "bpm": round(parsed.bpm, 3),
        "time_signature": parsed.time_signature, "length_beats": round(parsed.length_beats, 4),
        "bars": math.ceil(round(parsed.length_beats / bar, 6)),
        "key": key_signature or (str(estimated) if estimated else None),
        "key_source": "key_signature" if key_signature else ("estimated" if estimated else None),
    }
