"""What the harmony requests (chords, bassline, melody, arrangement) share: the key, the tempo and
the chords they name, resolved once, and their MIDI file."""

from app.schemas.common import GenerateRequest
from beatengine import instruments
from beatengine.genres import GENRE_BY_NAME
from beatengine.midi_io import Note, Song, Track
from beatengine.roles.chords.progression import parse_items
from beatengine.theory import Key, infer_key, parse_key


def chord_items(chords: list | None) -> list:
    """Request chords as core items: symbol, (symbol, beats) or None."""
    return [c if c is None or isinstance(c, str) else (c.symbol, c.beats) for c in chords or []]


def resolve_key(req: GenerateRequest, bpb: int) -> tuple[Key, str]:
    """The request's key; else inferred from its chords; else the genre's usual. Returns the key
    and how it was found."""
    if req.key:
        return parse_key(req.key), "requested"
    items = [i for i in chord_items(req.chords) if i is not None]
    chords = [c for _, c, _ in parse_items(items, bpb)]
    if chords:
        return infer_key(chords), "inferred from chords"
    return parse_key(instruments.default_key(req.genre)), "genre default"


def bpm_of(req: GenerateRequest) -> float:
    """The request's tempo, or its genre's usual one."""
    return float(req.bpm or GENRE_BY_NAME[req.genre].default_bpm)


def part_track(part: str, notes: list[Note], genre: str, voicing: str | None = None) -> Track:
    """A pitched part's track: its General MIDI program for the genre and its channel."""
    return Track(part, notes, program=instruments.program(part, genre, voicing),
                 channel=instruments.CHANNELS[part])


def harmony_song(tracks: list[Track], req: GenerateRequest, key: Key, beats: float) -> Song:
    return Song(tracks, bpm=bpm_of(req), time_signature=req.time_signature,
                key_signature=key.midi_key_signature(), length_beats=beats)


def common_params(req: GenerateRequest, key: Key, key_source: str, seed: int) -> dict:
    return {"genre": req.genre, "bpm": bpm_of(req), "bars": req.bars,
            "time_signature": req.time_signature, "key": str(key), "key_source": key_source,
            "temperature": req.temperature, "seed": seed, "variations": req.variations}
