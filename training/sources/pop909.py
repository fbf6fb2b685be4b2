"""POP909 songs as `Song`s: chords and melody on the beat grid from the first downbeat, the key, and
a bassline derived from the piano part."""

import bisect
import logging
import os
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import mido
import numpy as np

from beatengine.midi_io import Note
from beatengine.theory import (
    Chord,
    Key,
    parse_pitch_class,
)
from training.sources.song import (
    EPS,
    METER_BEATS,
    Song,
    Timeline,
    parse_label,
    split_of,
)

log = logging.getLogger(__name__)


BASS_MAX_PITCH = 55          # piano notes below G3 can be the bass
BASS_ONSET_TOL = 1 / 16      # beats: notes struck this close together are one onset (a chord)
BASS_MIN_ALIGNMENT = 0.5     # keep a derived bass only when it mostly plays the chord's root/bass
BASS_MIN_CHECKS = 4
_KEY_MODES = {"maj": "major", "min": "minor"}


@dataclass
class _TempoMap:
    ticks: np.ndarray      # tick of each tempo change
    seconds: np.ndarray    # its time in seconds
    tempos: np.ndarray     # microseconds per beat from there on
    tpb: int

    def beats(self, seconds: np.ndarray) -> np.ndarray:
        i = np.clip(np.searchsorted(self.seconds, seconds, side="right") - 1, 0, None)
        return self.ticks[i] / self.tpb + (seconds - self.seconds[i]) * 1e6 / self.tempos[i]


def _read_pop909_midi(path: Path) -> tuple[_TempoMap, dict[str, list[tuple[int, int, int, int]]]]:
    """Tempo map and, per track name, notes as (start tick, end tick, pitch, velocity)."""
    mid = mido.MidiFile(path)
    changes: dict[int, int] = {}
    tracks: dict[str, list[tuple[int, int, int, int]]] = {}
    for track in mid.tracks:
        tick, sounding, notes = 0, {}, []
        for msg in track:
            tick += msg.time
            if msg.type == "note_on" and msg.velocity:
                if msg.note in sounding:                 # struck again: close the first one
                    t0, vel = sounding[msg.note]
                    notes.append((t0, tick, msg.note, vel))
                sounding[msg.note] = (tick, msg.velocity)
            elif msg.type in ("note_off", "note_on"):
                if (started := sounding.pop(msg.note, None)) is not None:
                    notes.append((started[0], tick, msg.note, started[1]))
            elif msg.type == "set_tempo":
                changes[tick] = msg.tempo
        if notes:
            tracks[track.name.strip().upper()] = sorted(notes)
    changes.setdefault(0, 500000)                        # MIDI's 120 bpm until the first tempo
    ticks = sorted(changes)
    seconds = [0.0]
    for a, b in zip(ticks, ticks[1:], strict=False):
        seconds.append(seconds[-1] + mido.tick2second(b - a, mid.ticks_per_beat, changes[a]))
    return _TempoMap(np.array(ticks, float), np.array(seconds), np.array([changes[t] for t in ticks], float),
                     mid.ticks_per_beat), tracks


def _notes_in_beats(raw: list[tuple[int, int, int, int]], tpb: int, offset_ticks: int) -> list[Note]:
    """Track notes -> Notes in beats from the first downbeat; notes before it are dropped."""
    if not raw:
        return []
    a = np.array(raw, np.int64)
    a = a[a[:, 0] >= offset_ticks]
    starts = (a[:, 0] - offset_ticks) / tpb
    durs = np.maximum(a[:, 1] - a[:, 0], 1) / tpb
    return [Note(int(p), float(s), float(d), int(v))
            for s, d, p, v in zip(starts, durs, a[:, 2], a[:, 3], strict=True)]


def derive_bass(piano: list[Note], max_pitch: int = BASS_MAX_PITCH) -> list[Note]:
    """The piano's lowest line, one note at a time: of notes struck together the lowest is kept; a
    note struck while a lower one still sounds is not the bass; a new lower note cuts the one before."""
    out: list[Note] = []
    for n in sorted((n for n in piano if n.pitch < max_pitch), key=lambda n: (n.start, n.pitch)):
        if out:
            last = out[-1]
            if n.start - last.start < BASS_ONSET_TOL:  # one chord, struck a little unevenly
                if n.pitch < last.pitch:
                    out[-1] = n
                continue
            if last.start + last.duration > n.start + EPS:
                if last.pitch < n.pitch:
                    continue                          # a lower note is still sounding
                # lower, or the same note struck again: it cuts the one before
                out[-1] = Note(last.pitch, last.start, n.start - last.start, last.velocity)
        out.append(n)
    return out


def bass_alignment(bass: list[Note], chords: list[tuple[float, float, Chord | None]],
                   beats_per_bar: float) -> tuple[float | None, int]:
    """(share of chord changes on a downbeat whose bass note there has the chord's root or bass pitch
    class, number of such changes with a bass note); the note struck nearest the downbeat, within a
    quarter beat, else the note sounding through it."""
    onsets = [n.start for n in bass]
    hits = checks = 0
    for start, _, chord in chords:
        if chord is None or abs(start / beats_per_bar - round(start / beats_per_bar)) > EPS:
            continue
        near = bass[bisect.bisect_left(onsets, start - 0.25):bisect.bisect_right(onsets, start + 0.25)]
        if near:
            note = min(near, key=lambda n: abs(n.start - start))
        else:
            j = bisect.bisect_right(onsets, start) - 1
            if j < 0 or bass[j].start + bass[j].duration <= start:
                continue
            note = bass[j]
        checks += 1
        hits += note.pitch % 12 in (chord.root, chord.bass_pc)
    return (hits / checks if checks else None), checks


def _mean_bpm(tmap: _TempoMap, start_s: float, end_s: float) -> float:
    """Average MIDI tempo over the song (beats per minute between the first downbeat and the end)."""
    if end_s <= start_s:
        return round(float(mido.tempo2bpm(tmap.tempos[0])), 2)
    beats = tmap.beats(np.array([start_s, end_s]))
    return round(60 * float(beats[1] - beats[0]) / (end_s - start_s), 2)


def _longest_key(path: Path) -> Key:
    """key_audio.txt ("start end Gb:maj" lines) -> the key that covers the most time."""
    time: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            time[parts[2]] += float(parts[1]) - float(parts[0])
    tonic, _, mode = time.most_common(1)[0][0].partition(":")
    return Key(parse_pitch_class(tonic), _KEY_MODES.get(mode or "maj", "major"))


def load_pop909_song(folder: Path) -> Song:
    """One POP909 folder (NNN/NNN.mid, beat_midi.txt, chord_midi.txt, key_audio.txt) -> Song.
    Beat 0 is beat_midi's first downbeat, moved by whole beats where the chords clearly change on
    another beat of the bar (`downbeat_phase`); earlier material is dropped. Raises
    ValueError/OSError on missing or malformed files."""
    folder = Path(folder)
    tmap, tracks = _read_pop909_midi(folder / f"{folder.name}.mid")
    grid = np.loadtxt(folder / "beat_midi.txt", ndmin=2)          # time s, beat flag, downbeat flag
    down = np.nonzero(grid[:, 2] == 1)[0]
    if not len(down):
        raise ValueError(f"{folder}: no downbeat in beat_midi.txt")
    # bars: rows are MIDI beats; downbeats every 3 or 6 rows mean three beats a bar
    gaps = Counter(np.diff(down).tolist())
    meter = "3/4" if gaps and gaps.most_common(1)[0][0] in (3, 6) else "4/4"
    offset = int(round(float(tmap.beats(grid[down[0], 0])) * tmap.tpb))  # first downbeat, ticks
    rows = [r for r in (line.split() for line in (folder / "chord_midi.txt").read_text().splitlines())
            if len(r) >= 3]
    beats = tmap.beats(np.array([[float(r[0]), float(r[1])] for r in rows]).reshape(-1, 2))
    parsed = [parse_label(r[2]) for r in rows]
    labels = [chord for chord, _ in parsed]
    chords = _chord_spans(beats, labels, offset, tmap.tpb)
    if not chords:
        raise ValueError(f"{folder}: no chords after the first downbeat")
    phase = downbeat_phase(chords, METER_BEATS[meter])
    if phase:              # beat_midi's downbeat is off the beat where the chords change: trust the chords
        offset += phase * tmap.tpb
        chords = _chord_spans(beats, labels, offset, tmap.tpb)
    melody = _notes_in_beats(tracks.get("MELODY", []), tmap.tpb, offset)
    bass = derive_bass(_notes_in_beats(tracks.get("PIANO", []), tmap.tpb, offset))
    rate, checks = bass_alignment(bass, chords, METER_BEATS[meter])
    keep_bass = rate is not None and checks >= BASS_MIN_CHECKS and rate >= BASS_MIN_ALIGNMENT
    bpm = _mean_bpm(tmap, float(grid[down[0], 0]), float(grid[-1, 0]))
    song_id = f"pop909/{folder.name}"
    return Song(song_id, "pop909", split_of(song_id), "pop", _longest_key(folder / "key_audio.txt"),
                meter, bpm, chords, melody or None, bass if keep_bass else None, None,
                len(parsed), sum(fell_back for _, fell_back in parsed), rate)


def _chord_spans(beats: np.ndarray, chords: list[Chord | None], offset: int, tpb: int
                 ) -> list[tuple[float, float, Chord | None]]:
    """chord_midi rows (start, end in MIDI beats) -> spans from the downbeat at tick `offset`,
    on the tick grid; anything before the downbeat is cut."""
    timeline = Timeline()
    times = np.round(beats * tpb - offset) / tpb
    for (start, end), chord in zip(times, chords, strict=True):
        if end > EPS:
            timeline.add(max(float(start), 0.0), float(end), chord)
    return timeline.result()


def downbeat_phase(chords: list[tuple[float, float, Chord | None]], beats_per_bar: float) -> int:
    """Whole beats to move the origin by so that chords change on downbeats (0 = keep it). Some
    POP909 beat_midi.txt files mark the wrong beat as the downbeat; another phase must hold 1.5x the
    chord time starting on it to win."""
    weight = [0.0] * int(beats_per_bar)
    for start, end, chord in chords:
        if chord is not None and abs(start - round(start)) < EPS:
            weight[int(round(start)) % len(weight)] += end - start
    best = max(range(len(weight)), key=weight.__getitem__)
    return best if weight[best] > 1.5 * weight[0] else 0


def _pop909_or_error(folder: Path) -> Song | str:
    try:
        return load_pop909_song(folder)
    except (OSError, ValueError, KeyError, IndexError, EOFError) as exc:
        return f"{folder.name}: {exc}"


def load_pop909(root: Path, max_songs: int | None = None, workers: int | None = None) -> list[Song]:
    """POP909 songs under root/POP909/NNN/ (or root/NNN/). Parsing the MIDI with mido dominates
    (~40 ms a song), so on Linux more than a few dozen songs are read in forked worker processes."""
    root = Path(root)
    base = root / "POP909" if (root / "POP909").is_dir() else root
    folders = sorted(p for p in base.iterdir() if p.is_dir() and p.name.isdigit()) if base.is_dir() else []
    folders = folders[:max_songs] if max_songs is not None else folders
    workers = workers or min(8, os.cpu_count() or 1)
    # fork only: spawn would re-import the caller's main script, which breaks unguarded scripts
    if workers > 1 and len(folders) >= 32 and sys.platform == "linux":
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            results = list(pool.map(_pop909_or_error, folders, chunksize=8))
    else:
        results = [_pop909_or_error(f) for f in folders]
    songs = [r for r in results if isinstance(r, Song)]
    errors = [r for r in results if isinstance(r, str)]
    log.info("pop909: %d songs, %d skipped%s", len(songs), len(errors),
             f" (first: {errors[0]})" if errors else "")
    return songs


# ---- free-midi-chords ------------------------------------------------------------------------
