"""McGill Billboard chord annotations (`salami_chords.txt`) as `Song`s: bars, repeats, metre
changes, sections, tonic (mode inferred), AcousticBrainz genre tags."""

import csv
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from beatengine.genres import GENRE_NAMES
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
    infer_mode,
    parse_label,
    split_of,
)

log = logging.getLogger(__name__)


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
    timeline, sections, names = Timeline(), [], {}
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


def _read_bar(cell: str, beat: float, bar_beats: float, timeline: Timeline) -> tuple[float, int, int]:
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
