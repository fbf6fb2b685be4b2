"""What the chords, bassline and melody parts of the evaluation share (`training.evaluation.harness`).

Reference clips are 8-bar windows of the validation songs (their chords, key, metre and, for the
line roles, the real line), or of any folder of .mid files (chords estimated per bar, key by
Krumhansl-Schmuckler, the line taken from the track named like the role, else the lowest or highest
pitched track). Systems, each generating under every slice-A clip's key, genre, metre, bars and
chords:
- `model`, `previous`: the service's generators (masks and originality guard on);
- `markov`: the order-2 Markov baseline of the same training split, decoded under the very same
  masks and motif plan, so what separates it from the model is what the model learned;
- `random`: in-scale notes at random onsets at the training density (chords: random diatonic
  triads at the same harmonic rhythm);
- `copy`: a window of a training song; `real_b`: slice B.

What differs per role comes from its `EvaluationHooks` (`training.roles.chords.evaluate`,
`training.roles.lines.evaluate`), which each role's spec fills.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import mido
import numpy as np

from beatengine.genres import GENRE_NAMES
from beatengine.meter import METERS, beats_per_bar
from beatengine.midi_io import Note, Song, Track, write_midi
from beatengine.midi_reader import read_midi
from beatengine.originality import CopyIndex
from beatengine.roles import ROLES
from beatengine.roles.chords.progression import Span
from beatengine.seq.markov import MarkovSeq
from beatengine.theory import Chord, Key, estimate_chords, ks_key
from training.evaluation import measures
from training.sources.song import Song as DataSong

WINDOW_BARS = 8
Part = tuple[list[Note], list[Span]]     # what a system makes of a clip: notes and the chords under them


@dataclass
class SongClip:
    notes: list[Note]          # the real line (line roles), beats from the window start
    spans: list[Span]
    key: Key
    meter: str
    bars: int
    genre: str
    bpm: float
    origin: str


class EvaluationHooks(Protocol):
    """What a harmony role's spec says about its evaluation."""
    name: str
    line_field: str | None            # the Song field holding the role's line (None: chords)
    track_names: tuple[str, ...]      # a reference file's track named like one of these is the line
    lowest_wins: bool                 # else the lowest pitched track is the line (else the highest)
    following: tuple[str, ...]        # chord-following measures the gate compares with Markov's
    copy_unit: str
    control_note: str                 # what the density rank correlation correlates

    def feature_names(self) -> list[str]: ...

    def scalar_features(self) -> list[str]: ...

    def clip_features(self, notes: list[Note], spans: list[Span], c: SongClip) -> np.ndarray: ...

    def controls(self, clips: list[SongClip], rng: np.random.Generator) -> np.ndarray:
        """The control value each slice-A clip is generated under (density or complexity)."""

    def control_measure(self, feats: np.ndarray, names: list[str]) -> list[float]:
        """What the control asked for, as measured on each generated clip's features."""

    def params(self, c: SongClip, seed: int, control: float, constrained: bool): ...

    def made(self, variation, c: SongClip) -> Part: ...

    def markov_part(self, gen, markov: MarkovSeq, p, c: SongClip, rng: np.random.Generator) -> Part: ...

    def random_part(self, c: SongClip, rng: np.random.Generator, mean_density: float) -> Part: ...

    def copied_part(self, t: SongClip, spans: list[Span], shift: int, c: SongClip) -> Part: ...

    def real_part(self, c: SongClip) -> Part: ...

    def copy_hashes(self, notes: list[Note], spans: list[Span], key: Key) -> np.ndarray: ...

    def structure(self, gen, made: dict[str, list[Part]], seeds: int) -> dict | None:
        """The role's structure measures and checks at the service defaults, `seeds` parts per
        genre (None: none)."""

    def index(self, songs: list[DataSong]) -> CopyIndex:
        """The originality index of the songs' training split."""


# ---- reference clips ---------------------------------------------------------------------------
def _spans(chords: list, a: float, b: float) -> list[Span]:
    out = []
    for s, e, c in chords:
        if c is not None and e > a and s < b:
            out.append(Span(max(s, a) - a, min(e, b) - a, c, c.symbol))
    return out


def song_clips(role: EvaluationHooks, songs: list[DataSong]) -> list[SongClip]:
    """8-bar windows of the songs (with the role's line, where it has one)."""
    out = []
    for song in songs:
        line = getattr(song, role.line_field) if role.line_field else None
        if role.line_field and not line:
            continue
        bpb = song.beats_per_bar()
        for bar in range(0, song.n_bars - WINDOW_BARS + 1, WINDOW_BARS):
            a, b = bar * bpb, (bar + WINDOW_BARS) * bpb
            spans = _spans(song.chords, a, b)
            if sum(s.beats for s in spans) < 0.75 * (b - a):
                continue
            notes = [Note(n.pitch, n.start - a, min(n.duration, b - n.start), n.velocity)
                     for n in line or [] if a <= n.start < b]
            if role.line_field and len(notes) < WINDOW_BARS:
                continue
            out.append(SongClip(notes, spans, song.key, song.meter, WINDOW_BARS, song.genre or "pop",
                                song.bpm or 100.0, song.song_id))
    return out


def folder_clips(role: EvaluationHooks, folder: Path, genre: str | None) -> list[SongClip]:
    """Clips of any .mid files: the line is the track named like the role (else the lowest or the
    highest track); chords are estimated per bar from every track."""
    out = []
    for path in sorted([*folder.rglob("*.mid"), *folder.rglob("*.midi")]):
        song = _folder_song(role, path, path.parent.name if path.parent.name in GENRE_NAMES
                            else (genre or "pop"))
        if song is not None:
            out += song_clips(role, [song])
    return out


def _folder_song(role: EvaluationHooks, path: Path, genre: str) -> DataSong | None:
    try:
        parsed = read_midi(str(path))
        tracks = _tracks(path)
    except (ValueError, OSError):
        return None
    pitched = {k: v for k, v in tracks.items() if v}
    if not pitched:
        return None
    every = [n for v in pitched.values() for n in v]
    bpb = 4.0 if parsed.time_signature == "4/4" else 3.0
    n_bars = int(parsed.length_beats // bpb)
    key = ks_key(every)
    chords = estimate_chords(every, n_bars, bpb)
    named = [k for k in pitched if any(w in k.lower() for w in role.track_names)]
    mean = {k: np.mean([n.pitch for n in v]) for k, v in pitched.items()}
    pick = named[0] if named else (min(mean, key=mean.get) if role.lowest_wins else max(mean, key=mean.get))
    meter = parsed.time_signature if parsed.time_signature in METERS else "4/4"
    line = {role.line_field: pitched[pick]} if role.line_field else {}
    return DataSong(str(path), "folder", "validation", genre, key, meter, parsed.bpm,
                    [(s, e, c) for s, e, c in chords], **line)


def _tracks(path: Path) -> dict[str, list[Note]]:
    """Non-drum notes per track name (mido; times in beats)."""
    mid = mido.MidiFile(str(path))
    out: dict[str, list[Note]] = {}
    for i, tr in enumerate(mid.tracks):
        name, t, open_, notes = f"track{i}", 0, {}, []
        for msg in tr:
            t += msg.time
            if msg.type == "track_name":
                name = msg.name or name
            elif msg.type == "note_on" and msg.velocity and msg.channel != 9:
                open_[msg.note] = (t, msg.velocity)
            elif msg.type in ("note_off", "note_on") and msg.note in open_ and msg.channel != 9:
                s, v = open_.pop(msg.note)
                notes.append(Note(msg.note, s / mid.ticks_per_beat, max(t - s, 1) / mid.ticks_per_beat, v))
        out[name] = sorted(notes, key=lambda n: n.start)
    return out


# ---- the systems -------------------------------------------------------------------------------
def midi_checks(notes: list[Note], c: SongClip) -> dict:
    bpb = beats_per_bar(c.meter)
    data = write_midi(Song([Track("part", notes)], bpm=c.bpm, time_signature=c.meter,
                           key_signature=c.key.midi_key_signature(), length_beats=c.bars * bpb))
    parsed = read_midi(data)
    return {"bars_ok": round(parsed.length_beats / bpb, 6) == c.bars,
            "tempo_ok": abs(parsed.bpm - c.bpm) < 0.01, "meter_ok": parsed.time_signature == c.meter}


def moved(chord: Chord, shift: int) -> Chord:
    return Chord((chord.root + shift) % 12, chord.quality,
                 None if chord.bass is None else (chord.bass + shift) % 12)


class Systems:
    """The generators and baselines of one role, each making a `Part` of a clip."""

    def __init__(self, role: EvaluationHooks, ctx, songs: list[DataSong]):
        self.role = role
        load = ROLES[role.name].generator.load
        self.gens = {"model": load(ctx.checkpoint.path)}
        if ctx.previous is not None:
            self.gens["previous"] = load(ctx.previous.path)
        a = ctx.data.train_rows()
        self.markov = MarkovSeq(ROLES[role.name].spec.vocab_size).fit(a.tgt, a.pos, a.genre)
        self.train_clips = song_clips(role, [s for s in songs if s.split == "train"])
        dens = [len(c.notes) / c.bars for c in self.train_clips if c.notes]
        self.mean_density = float(np.mean(dens)) if dens else 4.0

    def model(self, name: str, c: SongClip, seed: int, control: float, constrained: bool = True) -> Part:
        return self.role.made(self.gens[name].generate(self.role.params(c, seed, control, constrained))[0], c)

    def markov_part(self, c: SongClip, seed: int, control: float, constrained: bool = True) -> Part:
        p = self.role.params(c, seed, control, constrained)
        return self.role.markov_part(self.gens["model"], self.markov, p, c, np.random.default_rng(seed))

    def random_part(self, c: SongClip, seed: int) -> Part:
        return self.role.random_part(c, np.random.default_rng(seed), self.mean_density)

    def copy_part(self, c: SongClip, seed: int) -> Part:
        """A training window in the same metre and mode, moved into the clip's key."""
        rng = np.random.default_rng(seed)
        pool = ([t for t in self.train_clips if t.meter == c.meter and t.key.mode == c.key.mode]
                or self.train_clips)
        t = pool[int(rng.integers(len(pool)))]
        shift = (c.key.tonic - t.key.tonic + 6) % 12 - 6
        spans = [Span(s.start, s.end, moved(s.chord, shift), s.symbol) for s in t.spans]
        return self.role.copied_part(t, spans, shift, c)

    def make_all(self, clips: list[SongClip], control: np.ndarray, seed: int) -> dict[str, list[Part]]:
        """Every system's parts of the slice-A clips, clip i generated from seed + i."""
        out = {name: [self.model(name, c, seed + i, float(control[i])) for i, c in enumerate(clips)]
               for name in self.gens}
        out["markov"] = [self.markov_part(c, seed + i, float(control[i])) for i, c in enumerate(clips)]
        out["random"] = [self.random_part(c, seed + i) for i, c in enumerate(clips)]
        out["copy"] = [self.copy_part(c, seed + i) for i, c in enumerate(clips)]
        return out


# ---- the evaluation ----------------------------------------------------------------------------
def evaluate(ctx, role: EvaluationHooks) -> dict:
    """Fill the role-independent result skeleton of the harness for a harmony role."""
    songs = ctx.data.material
    ref = (folder_clips(role, ctx.reference, ctx.genre) if ctx.reference is not None
           else song_clips(role, [s for s in songs if s.split == "validation"]))
    clips_a, clips_b = ctx.slices(ref, lambda c: c.origin)
    systems = Systems(role, ctx, songs)
    control = role.controls(clips_a, np.random.default_rng(ctx.seed))
    made = {"real_a": [role.real_part(c) for c in clips_a], "real_b": [role.real_part(c) for c in clips_b],
            **systems.make_all(clips_a, control, ctx.seed)}
    clips_of = {name: clips_b if name == "real_b" else clips_a for name in made}
    names = role.feature_names()
    feats = {name: np.array([role.clip_features(n, s, c) for (n, s), c in
                             zip(parts, clips_of[name], strict=True)]).reshape(len(parts), len(names))
             for name, parts in made.items()}
    following = chord_following(role, systems, feats, clips_a, control, ctx.seed)

    def key_accuracy(name: str) -> float:
        hits = [ks_key(n) == c.key for (n, _), c in zip(made[name], clips_of[name], strict=True) if n]
        return float(np.mean(hits)) if hits else float("nan")

    def controls(name: str) -> dict:
        checks = [midi_checks(n, c) for (n, _), c in zip(made[name], clips_a, strict=True)]
        return {"bars": np.mean([m["bars_ok"] for m in checks]),
                "tempo": np.mean([m["tempo_ok"] for m in checks]),
                "time_signature": np.mean([m["meter_ok"] for m in checks]),
                "density_rank_corr": measures.rank_correlation(
                    control, np.array(role.control_measure(feats[name], names))),
                "key": key_accuracy(name), "genre_recognition": float("nan")}

    structure = role.structure(systems.gens["model"], made, ctx.config.evaluation.structure_seeds)
    return {
        "feature_names": names, "scalar_features": role.scalar_features(), "features": feats,
        "c2st_classifiers": tuple(measures.C2ST_CLASSIFIERS),
        **({"harmony_structure": structure, "checks": structure["checks"]} if structure else {}),
        "groups": {**{k: [c.origin for c in clips_a] for k in made}, "real_b": [c.origin for c in clips_b]},
        "conditions": {"genres": sorted({c.genre for c in clips_a})},
        "controls": {name: controls(name) for name in systems.gens},
        "real_genre_recognition": float("nan"), "real_key_accuracy": key_accuracy("real_a"),
        "chord_following": following,
        "copy_rates": copy_rates(role, role.index(songs), made, clips_of),
        "copy_unit": role.copy_unit,
        "notes": ["control 'density_rank_corr' is the rank correlation of the requested " + role.control_note,
                  "genre recognition is not measured here: the harmony data labels too few genres "
                  "for a genre classifier to mean anything (POP909 is all pop)"],
    }


def chord_following(role: EvaluationHooks, systems: Systems, feats: dict[str, np.ndarray],
                    clips: list[SongClip], control: np.ndarray, seed: int) -> dict:
    """Per system, the means of the role's chord-following measures; and the model and the Markov
    baseline with only the register mask (`_unconstrained`): what each learned alone."""
    if not role.following:
        return {}
    scalars = role.scalar_features()
    out = {name: {m: float(f[:, scalars.index(m)].mean()) for m in role.following}
           for name, f in feats.items() if len(f)}
    for name, make in (("model_unconstrained", lambda c, i: systems.model(
            "model", c, seed + i, float(control[i]), constrained=False)),
                       ("markov_unconstrained", lambda c, i: systems.markov_part(
                           c, seed + i, float(control[i]), constrained=False))):
        f = np.array([role.clip_features(*make(c, i), c) for i, c in enumerate(clips)])
        out[name] = {m: float(f[:, scalars.index(m)].mean()) for m in role.following}
    return out


def copy_rates(role: EvaluationHooks, index: CopyIndex, made: dict[str, list[Part]],
               clips_of: dict[str, list[SongClip]]) -> dict[str, float]:
    """Per system (real slice A aside): the share of its copy units found in the training split."""
    out = {}
    for name, parts in made.items():
        if name == "real_a":
            continue
        hashes = [role.copy_hashes(n, s, c.key) for (n, s), c in zip(parts, clips_of[name], strict=True)]
        allh = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
        out[name] = float(index.found(allh).mean()) if len(allh) else float("nan")
    return out
