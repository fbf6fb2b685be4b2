"""Material the service's users opted in to, read only through the opt-in view
(`eventlog.material`): drum parts as `DrumExample` windows, harmony files as `Song`s for the role
they are labelled with. The data config's `event_log` names the service's SQLite file or a Postgres URL.

A user's harmony file carries notes, not annotations, so each song is made the way the engine hears MIDI
with no chord track: the key by Krumhansl-Schmuckler over the pitched notes, one estimated chord
per bar (`beatengine.theory.estimate_chords`), and the line itself (the top voice for a melody,
the lowest for a bassline). A file labelled `chords` teaches only the chord model, a melody only
the melody model, and so on: an estimated progression under a melody never trains the chord model.
"""

import logging
from pathlib import Path

from beatengine.genres import GENRE_INDEX
from beatengine.midi_io import DRUM_CHANNEL, Note
from beatengine.midi_reader import read_midi
from beatengine.theory import estimate_chords, ks_key
from eventlog.material import is_postgres_url, read_material
from training.sources.drum_midi import DrumExample, load_midi_grid, windows
from training.sources.song import METER_BEATS, Song, split_of

log = logging.getLogger(__name__)

MIN_NOTES = 8


def event_log_source(event_log: str | None, root: Path = Path(".")) -> str | None:
    """A data config's `event_log`: a Postgres URL as is, a SQLite path relative to `root`."""
    if not event_log:
        return None
    return str(event_log) if is_postgres_url(str(event_log)) else str(root / event_log)


def load_event_material(source: str) -> list[DrumExample]:
    """Drum material users opted in to (uploads and batches), as 8-bar windows; one item in ten
    (by its id, so it stays put as material comes and goes) is kept for validation."""
    out: list[DrumExample] = []
    for m in read_material(source, "drums"):
        if m.genre not in GENRE_INDEX:
            log.warning("skipping user material %s: no genre label", m.event_id)
            continue
        try:
            loaded = load_midi_grid(m.midi)
        except ValueError as exc:
            log.warning("skipping user material %s: %s", m.event_id, exc)
            continue
        if loaded is None:
            continue
        grid, bpm = loaded
        split = "validation" if int(m.event_id.replace("-", "")[-4:], 16) % 10 == 9 else "train"
        out += [DrumExample(w, m.genre, bpm, "user", split, f"event:{m.event_id}")
                for w in windows(grid)]
    return out



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


def song_of(event_id: str, midi: bytes, genre: str | None, line: str | None = None,
            top_voice: bool = True) -> Song | None:
    """One user file as a Song (None when it has too few pitched notes or no key); `line` names the
    Song field ("melody", "bass") that gets its top (else lowest) voice."""
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
    voice = {line: one_voice(pitched, top=top_voice)} if line else {}
    return Song(song_id, "user", split_of(song_id), genre, key, parsed.time_signature, parsed.bpm,
                chords=estimate_chords(pitched, n_bars, bpb), **voice)


def load_event_songs(role: str, event_log: str | None, root: Path = Path("."), line: str | None = None,
                     top_voice: bool = True) -> list[Song]:
    """The role's opted-in harmony material (none without an `event_log`), its line (if the role
    has one) in the Song's `line` field."""
    source = event_log_source(event_log, root)
    if source is None:
        return []
    songs = []
    for m in read_material(source, role):
        song = song_of(m.event_id, m.midi, m.genre, line, top_voice)
        if song is None:
            log.info("user material %s cannot teach %s; skipped", m.event_id, role)
            continue
        songs.append(song)
    return songs
