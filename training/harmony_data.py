"""Harmony training data: Billboard, POP909 and free-midi-chords songs in one representation.

Every source becomes a list of `Song`: chord spans in quarter-note beats counted from the first
downbeat, a key (tonic + mode), a metre, and where the source has them a melody (POP909), a bassline
derived from POP909's piano part, and section names (Billboard). The sets are read in place from
`../shared/datasets/...`; nothing is copied into the project.

Chord labels are Harte (`A:min7`, `F#:maj/5`); a label `beatengine.theory.parse_harte` does not know
is mapped to the nearest simple chord of the project's vocabulary and counted (`Song.n_fallback`).

`python -m training.harmony_data --config training/configs/local.json` prints a summary.
"""

import argparse
import bisect
import csv
import functools
import hashlib
import json
import logging
import math
import os
import re
import statistics
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import mido
import numpy as np

from beatengine.genres import GENRE_NAMES
from beatengine.midi_io import Note
from beatengine.theory import (
    HARTE_QUALITIES,
    MODES,
    QUALITIES,
    Chord,
    Key,
    parse_harte,
    parse_pitch_class,
)

log = logging.getLogger(__name__)

METER_BEATS = {"4/4": 4.0, "3/4": 3.0, "6/8": 3.0}   # quarter-note beats per bar
VALIDATION_PERCENT = 10
DEFAULT_PATHS = {"billboard_dir": "../shared/datasets/billboard",
                 "pop909_dir": "../shared/datasets/pop909",
                 "fmc_csv": "../shared/datasets/free-midi-chords/progressions.csv"}
EPS = 1e-6


@dataclass
class Song:
    song_id: str          # billboard: "title|artist" normalised; "pop909/NNN"; "fmc/<row index>"
    source: str           # "billboard" | "pop909" | "fmc"
    split: str            # "train" | "validation", a stable hash of song_id
    genre: str | None     # a GENRE_NAMES entry or None
    key: Key
    meter: str            # "4/4" | "3/4" | "6/8"
    bpm: float | None
    chords: list[tuple[float, float, Chord | None]]  # contiguous, sorted; None = no chord
    melody: list[Note] | None = None      # POP909 only
    bass: list[Note] | None = None        # POP909 only: derived from the piano's lowest notes
    sections: list[tuple[float, str]] | None = None  # Billboard only: (start beat, name)
    n_labels: int = 0                     # chord labels read from the source
    n_fallback: int = 0                   # of those, mapped to the nearest simple chord
    bass_alignment: float | None = None   # POP909: share of downbeat chord changes whose derived
                                          # bass note is the chord's root or bass pitch class

    @property
    def length_beats(self) -> float:
        return self.chords[-1][1] if self.chords else 0.0

    @property
    def n_bars(self) -> int:
        """Bars of the song's metre, a final partial bar counted as one."""
        return math.ceil(self.length_beats / self.beats_per_bar() - EPS)

    def beats_per_bar(self) -> float:
        return METER_BEATS[self.meter]


def split_of(song_id: str) -> str:
    """About VALIDATION_PERCENT % of songs go to validation, stably across runs and machines."""
    h = int.from_bytes(hashlib.sha1(song_id.encode()).digest()[:8], "big")
    return "validation" if h % 100 < VALIDATION_PERCENT else "train"


def chord_at(song: Song, beat: float) -> Chord | None:
    """The chord sounding at `beat` (None for no chord or outside the song)."""
    i = bisect.bisect_right(song.chords, beat, key=lambda span: span[0]) - 1
    if i < 0 or beat >= song.chords[i][1]:
        return None
    return song.chords[i][2]


# ---- chord labels ----------------------------------------------------------------------------
NO_CHORD_LABELS = frozenset({"N", "X", "*", "&pause"})  # Billboard "*": untranscribable; "&pause": a rest
_MAJOR_STEPS = (0, 2, 4, 5, 7, 9, 11)
_HARTE_PARTS = re.compile(r"([A-G][#b]*)(?::([^(/]*)(?:\(([^)]*)\))?)?(?:/(.+))?")
# quality intervals as pitch-class sets, in QUALITIES order (earlier = preferred on ties)
_QUALITY_PCS = {q: frozenset(i % 12 for i in iv) for q, iv in QUALITIES.items()}


def _degree(text: str) -> int:
    """Harte interval (`b7`, `#11`, `13`) -> semitones above the root, 0-11."""
    m = re.fullmatch(r"([#b]*)(\d+)", text.strip())
    if not m or int(m[2]) < 1:
        raise ValueError(f"not a Harte degree: {text!r}")
    return (_MAJOR_STEPS[(int(m[2]) - 1) % 7] + m[1].count("#") - m[1].count("b")) % 12


def nearest_quality(pcs: set[int] | frozenset[int]) -> str:
    """The vocabulary quality closest to a set of intervals: shared tones count, added tones count
    more against (a chord should not gain notes it lacks)."""
    return max(_QUALITY_PCS, key=lambda q: 2 * len(_QUALITY_PCS[q] & pcs) - 3 * len(_QUALITY_PCS[q] - pcs))


def _fallback_chord(label: str) -> Chord | None:
    """Harte label with extensions the vocabulary lacks -> nearest simple chord (None if hopeless)."""
    m = _HARTE_PARTS.fullmatch(label)
    if not m:
        return None
    root = parse_pitch_class(m[1])
    shorthand = m[2] if m[2] is not None else "maj"
    if shorthand == "1" or (shorthand == "" and m[3]):
        pcs = {0}                                   # root only, tones listed in parentheses
    elif shorthand in _HARTE_BASE:
        pcs = set(_QUALITY_PCS[_HARTE_BASE[shorthand]])
    else:                                           # unknown shorthand: triad, third from its name
        pcs = {0, 3, 7} if shorthand.startswith("min") else {0, 4, 7}
    for part in (m[3] or "").split(","):
        part = part.strip()
        try:
            if part.startswith("*"):
                pcs.discard(_degree(part[1:]))      # "*3": the third is omitted
            elif part:
                pcs.add(_degree(part))
        except ValueError:
            continue
    bass = None
    if m[4]:
        try:
            bass = (root + _degree(m[4])) % 12
        except ValueError:
            bass = None
    return Chord(root, nearest_quality(pcs), None if bass == root else bass)


# Harte shorthands without added tones, for rebuilding a label's tone set
_HARTE_BASE = {k: v for k, v in HARTE_QUALITIES.items() if "(" not in k and k != "1"}


@functools.lru_cache(maxsize=4096)
def parse_label(label: str) -> tuple[Chord | None, bool]:
    """Harte label -> (chord or None for no chord, whether the nearest-chord fallback was needed)."""
    text = label.strip()
    if text in NO_CHORD_LABELS:
        return None, False
    try:
        return parse_harte(text), False
    except ValueError:
        return _fallback_chord(text), True


class _Timeline:
    """Builds contiguous chord spans; a chord equal to the one before extends it."""

    def __init__(self) -> None:
        self.spans: list[list] = []   # [start, end, chord]

    def add(self, start: float, end: float, chord: Chord | None) -> None:
        last_end = self.spans[-1][1] if self.spans else 0.0
        if start > last_end + EPS:                  # a gap: no chord there
            self.add(last_end, start, None)
        start = self.spans[-1][1] if self.spans else max(start, 0.0)  # overlaps: the earlier wins
        if end <= start + EPS:
            return
        if self.spans and self.spans[-1][2] == chord:
            self.spans[-1][1] = end
        else:
            self.spans.append([start, end, chord])

    def extend(self, end: float) -> None:
        """Billboard ".": the chord before goes on."""
        if self.spans:
            self.spans[-1][1] = end
        else:
            self.spans.append([0.0, end, None])

    def result(self) -> list[tuple[float, float, Chord | None]]:
        return [(round(s, 6) + 0.0, round(e, 6) + 0.0, c) for s, e, c in self.spans]  # no -0.0


# ---- keys ------------------------------------------------------------------------------------
_EXTRA_MODES = ("mixolydian", "dorian", "lydian", "phrygian")
MODE_MARGIN = 0.05   # another mode must fit this much better (share of chord-tone time)


def _tone_weights(chords: list[tuple[float, float, Chord | None]]) -> np.ndarray:
    w = np.zeros(12)
    for s, e, c in chords:
        if c is not None:
            w[list(c.pitch_classes)] += e - s
    return w


def _tonic_third(chords: list[tuple[float, float, Chord | None]], tonic: int) -> int | None:
    """3 or 4: the third of the chord on the tonic that sounds longest (None if no such chord)."""
    time = {3: 0.0, 4: 0.0}
    for s, e, c in chords:
        if c is not None and c.root == tonic:
            iv = set(c.intervals)
            if 4 in iv or 3 in iv:
                time[4 if 4 in iv else 3] += e - s
    return max(time, key=time.get) if any(time.values()) else None


def infer_mode(chords: list[tuple[float, float, Chord | None]], tonic: int,
               extra: tuple[str, ...] = _EXTRA_MODES, margin: float = MODE_MARGIN) -> str:
    """Major or minor: whichever scale holds more of the chord tones' time, the tonic chord's third
    breaking near-ties; another mode only when it fits `margin` better and agrees with that third."""
    w = _tone_weights(chords)
    total = w.sum()
    if not total:
        return "major"

    def fit(mode: str) -> float:
        return float(w[[(tonic + i) % 12 for i in MODES[mode]]].sum() / total)

    third = _tonic_third(chords, tonic)
    major, minor = fit("major"), fit("minor")
    if abs(major - minor) < 0.02 and third is not None:
        best = "major" if third == 4 else "minor"
    else:
        best = "major" if major >= minor else "minor"
    # other modes must agree with the tonic chord (no dorian under a major tonic chord)
    others = [m for m in extra if third is None or MODES[m][2] == third]
    if others and fit(top := max(others, key=fit)) > fit(best) + margin:
        best = top
    return best


# ---- Billboard -------------------------------------------------------------------------------
_CELL_METRE = re.compile(r"\((\d+)/(\d+)\)")
_REPEAT = re.compile(r"\bx(\d+)\b")
_SECTION_LETTER = re.compile(r"[A-Z]'*")
_NOT_A_SECTION = re.compile(r"fade ?(out|in)|.*[()].*")
_SECTION_ALIASES = {"prechorus": "pre-chorus", "pre chorus": "pre-chorus", "trans": "transition",
                    "pre verse": "pre-verse", "pre intro": "pre-intro"}


def _metre_beats(metre: str) -> float:
    num, den = (int(x) for x in metre.split("/"))
    return num * 4 / den


def _section_name(name: str) -> str:
    """`verse two` -> `verse`, `intro-a` -> `intro`, `prechorus` -> `pre-chorus`."""
    name = re.sub(r"[\s-]+(a|b|one|two|three|four|five)$", "", name.lower().strip())
    return _SECTION_ALIASES.get(name, name)


@dataclass
class _Chart:
    title: str
    artist: str
    tonic: int
    meter: str
    chords: list[tuple[float, float, Chord | None]]
    sections: list[tuple[float, str]]
    n_labels: int
    n_fallback: int


def parse_salami(text: str) -> _Chart | None:
    """One `salami_chords.txt` -> chords in beats from the first bar, sections, first tonic and the
    metre most bars are in. None when there are no bars or no tonic."""
    head: dict[str, str] = {}
    tonic: int | None = None
    metre, bar_beats = "4/4", 4.0
    metre_bars: Counter[str] = Counter()
    timeline, sections, names = _Timeline(), [], {}
    beat, n_labels, n_fallback = 0.0, 0, 0
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            field, _, value = line[1:].partition(":")
            field, value = field.strip(), value.strip()
            if field == "metre":
                metre, bar_beats = value, _metre_beats(value)
            elif field == "tonic" and tonic is None:    # keep it simple: the first tonic
                tonic = parse_pitch_class(value)
            elif field in ("title", "artist"):
                head[field] = value
            continue
        _, _, body = line.partition("\t")               # "<seconds>\t<section, bars, notes>"
        if body.count("|") < 2:
            continue                                     # silence, end, Z: no bars
        first, last = body.index("|"), body.rindex("|")
        section = _line_section(body[:first], names)
        if section:
            sections.append((beat, section))
        repeat = _REPEAT.search(body[last + 1:])          # "x4": the line's bars four times
        for _ in range(int(repeat[1]) if repeat else 1):
            for cell in body[first + 1:last].split("|"):
                length, labels, fallbacks = _read_bar(cell, beat, bar_beats, timeline)
                beat += length
                n_labels, n_fallback = n_labels + labels, n_fallback + fallbacks
                metre_bars[metre] += 1
    if tonic is None or not timeline.spans:
        return None
    chords = timeline.result()
    end = chords[-1][1]
    # one section per start beat (the last named wins), none at the very end
    by_beat = {round(b, 6): s for b, s in sections if b < end - EPS}
    return _Chart(head.get("title", ""), head.get("artist", ""), tonic, metre_bars.most_common(1)[0][0],
                  chords, sorted(by_beat.items()), n_labels, n_fallback)


def _read_bar(cell: str, beat: float, bar_beats: float, timeline: _Timeline) -> tuple[float, int, int]:
    """One bar cell (`A:min`, `E:7 B:maj . .`, `(2/4) C:maj`) into the timeline at `beat`: its
    chords share the bar evenly and "." holds the chord before for one share. Returns (the bar's
    beats, labels read, labels that needed the fallback)."""
    tokens = cell.split()
    if tokens and (m := _CELL_METRE.fullmatch(tokens[0])):
        bar_beats = int(m[1]) * 4 / int(m[2])              # this bar only
        tokens = tokens[1:]
    tokens = tokens or ["."]
    step = bar_beats / len(tokens)
    labels = fallbacks = 0
    for i, tok in enumerate(tokens):
        if tok == ".":
            timeline.extend(beat + (i + 1) * step)
            continue
        chord, fell_back = parse_label(tok)
        labels, fallbacks = labels + 1, fallbacks + fell_back
        timeline.add(beat + i * step, beat + (i + 1) * step, chord)
    return bar_beats, labels, fallbacks


def _line_section(head: str, names: dict[str, str]) -> str | None:
    """Section named before a line's first bar: `A, intro, ` -> intro; `B, ` -> B's earlier name.
    Lines without a section letter continue the section before."""
    fields = [f.strip() for f in head.split(",") if f.strip()]
    for i, f in enumerate(fields):
        if _SECTION_LETTER.fullmatch(f):
            for name in fields[i + 1:]:
                if not _SECTION_LETTER.fullmatch(name) and not _NOT_A_SECTION.fullmatch(name.lower()):
                    names[f] = _section_name(name)
                    break
            return names.get(f)
    return None


def _norm_text(text: str) -> str:
    text = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and "))
    return " ".join(text.split())


# Billboard's acousticbrainz genre tags are free text: each "/ ; , | >"-separated tag votes for the
# first rule it matches; rules with genre None (country, folk, soundtrack...: no project genre)
# stop a tag without a vote. Disco and dance go to house, as the GMD mapping does.
_GENRE_RULES: tuple[tuple[str, str | None], ...] = (
    (r"hip.?hop|\brap\b", "boom_bap"), (r"reggae|\bska\b", "reggae"), (r"latin|salsa|bossa", "latin"),
    (r"afro", "afrobeat"), (r"new jack|doo.?wop|motown|gospel", "rnb"), (r"funk", "funk"),
    (r"disco|dance|club", "house"), (r"jazz|big band|swing|lounge", "jazz"),
    (r"r ?& ?b|\br b\b|rnb|r and b|rhythm (&|and) blues|soul", "rnb"),
    (r"rock|roll|metal|punk|new wave|grunge|garage|surf|\baor\b|prog|blues|alternative", "rock"),
    (r"country|folk|bluegrass|soundtrack|film|classical|stage|world|^instrumental$|^vocal$", None),
    (r"pop|oldies|contemporary|easy listening|top 40|chart|ballad|synth|electronic", "pop"),
)


def normalize_genre(tags: str) -> str | None:
    """Noisy acousticbrainz tags ("Classic Rock", "Funk / Soul", "R&B") -> a project genre or None."""
    votes: Counter[str] = Counter()
    order: list[str] = []
    for tag in re.split(r"[/;,|>]| - ", tags.lower()):
        tag = tag.strip()
        for pattern, genre in _GENRE_RULES:
            if re.search(pattern, tag):
                if genre is not None:
                    votes[genre] += 1
                    order.append(genre)
                break
    if not votes:
        return None
    top = max(votes.values())
    tied = [g for g in votes if votes[g] == top]
    if len(tied) > 3:
        return None                                  # a tag soup: no genre stands out
    genre = min(tied, key=order.index)
    return genre if genre in GENRE_NAMES else None


def _acousticbrainz(path: Path) -> dict[str, tuple[str | None, float | None]]:
    """Billboard id -> (genre, bpm) from acousticbrainz_genre_bpm_key.csv (empty when absent)."""
    if not path.is_file():
        return {}
    out = {}
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            try:
                bpm = round(float(row.get("ab_bpm") or ""), 2)
            except ValueError:
                bpm = None
            out[row["id"].strip().zfill(4)] = (normalize_genre(row.get("genre_tags") or ""), bpm)
    return out


def load_billboard(root: Path, max_songs: int | None = None) -> list[Song]:
    """McGill Billboard charts, one Song per distinct title + artist (the first chart slot's
    annotation; genre/bpm from any slot that has them). Metres other than 4/4, 3/4, 6/8: skipped."""
    root = Path(root)
    chart_dir = root / "billboard-2.0-salami_chords"
    meta = _acousticbrainz(root / "acousticbrainz_genre_bpm_key.csv")
    songs: dict[str, Song] = {}
    skipped = Counter()
    for path in sorted(chart_dir.glob("*/salami_chords.txt")):
        try:
            chart = parse_salami(path.read_text(encoding="utf-8", errors="replace"))
        except ValueError as exc:                     # a tonic or metre it cannot read
            log.info("billboard %s skipped: %s", path.parent.name, exc)
            chart = None
        if chart is None:
            skipped["no bars or tonic"] += 1
            continue
        if chart.meter not in METER_BEATS:
            skipped[f"metre {chart.meter}"] += 1
            continue
        song_id = f"{_norm_text(chart.title)}|{_norm_text(chart.artist)}"
        genre, bpm = meta.get(path.parent.name, (None, None))
        if song_id in songs:                          # the same song at another chart slot
            kept = songs[song_id]
            kept.genre, kept.bpm = kept.genre or genre, kept.bpm or bpm
            skipped["duplicate chart slot"] += 1
            continue
        if max_songs is not None and len(songs) >= max_songs:
            break
        key = Key(chart.tonic, infer_mode(chart.chords, chart.tonic))
        songs[song_id] = Song(song_id, "billboard", split_of(song_id), genre, key, chart.meter, bpm,
                              chart.chords, None, None, chart.sections, chart.n_labels, chart.n_fallback)
    log.info("billboard: %d songs, skipped %s", len(songs), dict(skipped))
    return list(songs.values())


# ---- POP909 ----------------------------------------------------------------------------------
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
    timeline = _Timeline()
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
_NUMERAL = re.compile(r"([#b]*)(VII|VI|V|IV|III|II|I)(.*)", re.IGNORECASE)
_ROMAN_DEGREE = {"I": 0, "II": 1, "III": 2, "IV": 3, "V": 4, "VI": 5, "VII": 6}
# chords2midi (mingus) suffixes -> vocabulary quality; "" and "7" are the scale's own triad / 7th
_FMC_SUFFIX = {"M": "", "m": "m", "dim": "dim", "dim7": "dim7", "aug": "aug", "m7": "m7", "M7": "maj7",
               "dom7": "7", "m9": "m9", "M9": "maj9", "9": "9", "6": "6", "M6": "6", "m6": "m6",
               "69": "6/9", "sus2": "sus2", "sus4": "sus4", "add9": "add9", "madd9": "madd9",
               "mM7": "mMaj7", "5": "5"}
_FMC_ODD = {"M-5": {0, 4, 6}, "M7+5": {0, 4, 8, 11}}   # no vocabulary quality: nearest one
_FMC_MODES = {"major": "major", "minor": "minor", "ionian": "major", "aeolian": "minor"}


def _diatonic_quality(scale: tuple[int, ...], degree: int, tones: int) -> str:
    """Quality of the triad (3 tones) or seventh chord (4) stacked in thirds on a scale degree."""
    root = scale[degree]
    pcs = frozenset((scale[(degree + 2 * k) % 7] - root) % 12 for k in range(tones))
    return next((q for q, p in _QUALITY_PCS.items() if p == pcs), nearest_quality(pcs))


def parse_numeral(token: str, scale: tuple[int, ...]) -> tuple[Chord, bool]:
    """chords2midi numeral (`bVIIM`, `ivm7`, `V7`, `IM-5`) over a scale of intervals from C ->
    (chord, needed fallback). As chords2midi renders them, the numeral's case does not set the
    quality: no suffix is the scale's own triad and `7` its own seventh chord."""
    m = _NUMERAL.fullmatch(token.strip())
    if not m:
        raise ValueError(f"not a Roman numeral chord: {token!r}")
    degree = _ROMAN_DEGREE[m[2].upper()]
    root = (scale[degree] + m[1].count("#") - m[1].count("b")) % 12
    suffix = m[3]
    if suffix in ("", "7"):
        return Chord(root, _diatonic_quality(scale, degree, 3 if suffix == "" else 4)), False
    if suffix in _FMC_SUFFIX:
        return Chord(root, _FMC_SUFFIX[suffix]), False
    if suffix in _FMC_ODD:
        return Chord(root, nearest_quality(_FMC_ODD[suffix])), True
    raise ValueError(f"unknown chord suffix {suffix!r} in {token!r}")


def load_free_midi_chords(csv_path: Path, bars_per_chord: int = 1, max_songs: int | None = None
                          ) -> list[Song]:
    """progressions.csv rows -> Songs in C, one 4/4 bar (or `bars_per_chord`) per chord. Major and
    minor rows are in the scale named; "modal" rows are written against C major (Ionian) and get the
    mode their chord tones fit best. A row repeating an earlier one is skipped."""
    songs, seen = [], set()
    with Path(csv_path).open(newline="", encoding="utf-8") as f:
        for index, row in enumerate(csv.DictReader(f)):
            mode_col = (row.get("mode") or "").strip().lower()
            numerals = (row.get("roman_numerals") or "").split()
            if not numerals or (mode_col, tuple(numerals)) in seen:
                continue
            seen.add((mode_col, tuple(numerals)))
            mode = _FMC_MODES.get(mode_col, mode_col if mode_col in MODES else None)
            scale = MODES[mode or "major"]
            timeline, n_fallback, bar = _Timeline(), 0, 4.0 * bars_per_chord
            try:
                for i, token in enumerate(numerals):
                    chord, fell_back = parse_numeral(token, scale)
                    n_fallback += fell_back
                    timeline.add(i * bar, (i + 1) * bar, chord)
            except ValueError as exc:
                log.info("fmc row %d skipped: %s", index, exc)
                continue
            chords = timeline.result()
            if mode is None:                          # "modal": from the chords, any mode
                mode = infer_mode(chords, 0, extra=tuple(m for m in MODES if m not in ("major", "minor")),
                                  margin=EPS)
            song_id = f"fmc/{index}"
            songs.append(Song(song_id, "fmc", split_of(song_id), None, Key(0, mode), "4/4", None, chords,
                              None, None, None, len(numerals), n_fallback))
            if max_songs is not None and len(songs) >= max_songs:
                break
    return songs


# ---- all together ----------------------------------------------------------------------------
def load_harmony(cfg: dict, root: Path = Path(".")) -> list[Song]:
    """Songs of every source the config names ("billboard_dir", "pop909_dir", "fmc_csv", relative
    to `root`); a missing key or path skips that source. "max_songs" caps each source."""
    root = Path(root)
    cap = cfg.get("max_songs")
    songs: list[Song] = []
    sources = (("billboard_dir", Path.is_dir, load_billboard), ("pop909_dir", Path.is_dir, load_pop909),
               ("fmc_csv", Path.is_file, load_free_midi_chords))
    for cfg_key, exists, loader in sources:
        if not cfg.get(cfg_key):
            continue
        path = root / cfg[cfg_key]
        if not exists(path):
            log.info("%s: %s not found, skipped", cfg_key, path)
            continue
        songs += loader(path, max_songs=cap)
    return songs


def summarize(songs: list[Song]) -> dict:
    """Counts per source, split, genre, mode and metre; bars; label fallbacks; derived-bass checks."""
    def count(values) -> dict:
        return dict(sorted(Counter(values).items()))

    rates = [s.bass_alignment for s in songs if s.bass_alignment is not None]
    n_labels = sum(s.n_labels for s in songs)
    n_fallback = sum(s.n_fallback for s in songs)
    return {
        "songs": len(songs),
        "by_source": count(s.source for s in songs),
        "by_split": count(s.split for s in songs),
        "by_source_split": {src: count(s.split for s in songs if s.source == src)
                            for src in sorted({s.source for s in songs})},
        "by_genre": count(s.genre or "none" for s in songs),
        "by_mode": count(s.key.mode for s in songs),
        "by_meter": count(s.meter for s in songs),
        "bars": sum(s.n_bars for s in songs),
        "bars_by_source": {src: sum(s.n_bars for s in songs if s.source == src)
                           for src in sorted({s.source for s in songs})},
        "with_melody": sum(s.melody is not None for s in songs),
        "with_bass": sum(s.bass is not None for s in songs),
        "chord_labels": n_labels,
        "fallback_labels": n_fallback,
        "fallback_rate": round(n_fallback / n_labels, 4) if n_labels else 0.0,
        "bass_alignment": {
            "songs_checked": len(rates),
            "mean": round(statistics.fmean(rates), 3) if rates else None,
            "median": round(statistics.median(rates), 3) if rates else None,
            "songs_kept": sum(s.bass is not None for s in songs),
            "threshold": BASS_MIN_ALIGNMENT,
        },
    }


def data_config(cfg: dict) -> dict:
    """The harmony data section of a training config: "harmony" -> "data", else the chord role's
    "data", else the default dataset paths."""
    for section in ("harmony", "chords"):
        data = (cfg.get(section) or {}).get("data")
        if data:
            return data
    return dict(DEFAULT_PATHS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=None, help="training config JSON (default: dataset paths)")
    parser.add_argument("--max-songs", type=int, default=None, help="cap per source")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    cfg = json.loads(Path(args.config).read_text()) if args.config else {}
    data = dict(data_config(cfg))
    if args.max_songs is not None:
        data["max_songs"] = args.max_songs
    print(json.dumps(summarize(load_harmony(data)), indent=2))


if __name__ == "__main__":
    main()
