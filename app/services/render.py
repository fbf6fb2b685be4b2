"""A generated part as the API returns it: track JSON in the contract's shape and the Standard MIDI
File, base64."""

import base64

from beatengine.midi_io import Song, Track, write_midi


def track_out(track: Track) -> dict:
    """`TrackOut` of a track: its name, kind, program, channel and notes."""
    return {"name": track.name, "is_drum": track.is_drum, "program": track.program,
            "channel": track.channel,
            "notes": [{"pitch": n.pitch, "start": n.start, "duration": n.duration,
                       "velocity": n.velocity} for n in track.notes]}


def midi_base64(song: Song) -> str:
    return base64.b64encode(write_midi(song)).decode("ascii")
