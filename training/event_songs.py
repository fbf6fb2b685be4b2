"""Harmony material the service's users opted in to, as training `Song`s for the role it is
labelled with. Read only through the opt-in view (`eventlog.material`), like the drum material.

A user's file carries notes, not annotations, so each song is made the way the engine hears MIDI
with no chord track: the key by Krumhansl-Schmuckler over the pitched notes, one estimated chord
per bar (`beatengine.theory.estimate_chords`), and the line itself (the top voice for a melody,
the lowest for a bassline). A file labelled `chords` teaches only the chord model, a melody only
the melody model, and so on: an estimated progression under a melody never trains the chord model.
"""

import logging
from pathlib import Path

from beatengine.midi_io import DRUM_CHANNEL, Note, read_midi
from beatengine.theory import estimate_chords, ks_key
from eventlog.material import is_postgres_url, read_material
from training.harmony_songs import METER_BEATS, Song, split_of

log = logging.getLogger(__name__)

MIN_NOTES = 8


def event_log_source(cfg: dict, root: Path) -> str | None:
    """The data config's `event_log`: a Postgres URL as is, a SQLite path relative to `root`."""
    source = cfg.get("event_log")
    if not source:
        return None
    return str(source) if is_postgres_url(str(source)) else str(root / source)


def one_voice(notes: list[Note], top: bool) -> list[Note]:
    """The highest (or lowest) note of each onset, cut where the next one starts: a line."""
    by_start: dict[float, Note] = {}
    for n in notes:
        kept = by_start.get(n.start)
        if kept is None or (n.pitch > kept.pitch if top else n.pitch < kept.pitch):
            by_start[n.start] = n
    line = sorted(by_start.values(), key=lambda n: n.start)
    return [Note(n.pitch, n.start, min(n.duration, nxt.start - n.start), n.velocity)
            for n, nxt in zip(line, line[1:], strict=False)] + line[-1:]


def song_of(event_id: str, midi: bytes, role: str, genre: str | None) -> Song | None:
    """One user file as a Song for `role`, or None when it cannot teach that role."""
    try:
        parsed = read_midi(midi)
    except ValueError:
        return None
    pitched = [n for ch, ns in parsed.notes_by_channel.items() if ch != DRUM_CHANNEL for n in ns]
    key = ks_key(pitched)
    if parsed.time_signature not in METER_BEATS or len(pitched) < MIN_NOTES or key is None:
        return None
    bpb = METER_BEATS[parsed.time_signature]
    n_bars = max(1, int(round(max(n.start + n.duration for n in pitched) / bpb + 0.49)))
    song_id = f"user/{event_id}"
    return Song(
        song_id, "user", split_of(song_id), genre, key, parsed.time_signature, parsed.bpm,
        chords=estimate_chords(pitched, n_bars, bpb),
        melody=one_voice(pitched, top=True) if role == "melody" else None,
        bass=one_voice(pitched, top=False) if role == "bassline" else None)


def load_event_songs(role: str, cfg: dict, root: Path = Path(".")) -> list[Song]:
    """The role's opted-in user material (none without an `event_log` in the data config)."""
    source = event_log_source(cfg, root)
    if source is None:
        return []
    songs = []
    for m in read_material(source, role):
        song = song_of(m.event_id, m.midi, role, m.genre)
        if song is None:
            log.info("user material %s cannot teach %s; skipped", m.event_id, role)
            continue
        songs.append(song)
    return songs
