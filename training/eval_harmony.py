"""The chords, bassline and melody parts of `training.evaluate`.

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
"""

from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np

from beatengine.meter import METERS, beats_per_bar, steps_per_bar
from beatengine.midi_io import Note, Song, Track, read_midi, write_midi
from beatengine.roles import ROLES
from beatengine.roles.chords import vocab as CV
from beatengine.roles.chords.generator import ChordParams, chord_window_hashes
from beatengine.roles.chords.progression import Span
from beatengine.roles.chords.voicing import voice_progression
from beatengine.roles.lines import vocab as LV
from beatengine.roles.lines.generator import NGRAM, LineParams, note_ngram_hashes
from beatengine.seq.config import SeqModelConfig
from beatengine.seq.markov import MarkovSeq
from beatengine.theory import Chord, Key, estimate_chords, ks_key
from training import harmony_features as HF
from training.harmony_data import load_harmony
from training.harmony_songs import Song as DataSong
from training.train_seq import VOCAB, build_index, cached_arrays

WINDOW_BARS = 8
REGISTER = {"bassline": (28, 55), "melody": (60, 84)}
LINE_TRACK_NAMES = {"bassline": ("bass",), "melody": ("melody", "lead", "vocal", "voice")}


@dataclass
class Clip:
    notes: list[Note]          # the real line (line roles), beats from the window start
    spans: list[Span]
    key: Key
    meter: str
    bars: int
    genre: str
    bpm: float
    origin: str


def _spans(chords: list, a: float, b: float) -> list[Span]:
    out = []
    for s, e, c in chords:
        if c is not None and e > a and s < b:
            out.append(Span(max(s, a) - a, min(e, b) - a, c, c.symbol))
    return out


def song_clips(role: str, songs: list[DataSong]) -> list[Clip]:
    out = []
    for song in songs:
        line = song.melody if role == "melody" else song.bass if role == "bassline" else None
        if role != "chords" and not line:
            continue
        bpb = song.beats_per_bar()
        for bar in range(0, song.n_bars - WINDOW_BARS + 1, WINDOW_BARS):
            a, b = bar * bpb, (bar + WINDOW_BARS) * bpb
            spans = _spans(song.chords, a, b)
            if sum(s.beats for s in spans) < 0.75 * (b - a):
                continue
            notes = [Note(n.pitch, n.start - a, min(n.duration, b - n.start), n.velocity)
                     for n in line or [] if a <= n.start < b]
            if role != "chords" and len(notes) < WINDOW_BARS:
                continue
            out.append(Clip(notes, spans, song.key, song.meter, WINDOW_BARS, song.genre or "pop",
                            song.bpm or 100.0, song.song_id))
    return out


def folder_clips(role: str, folder: Path, genre: str | None) -> list[Clip]:
    """Clips of any .mid files: the line is the track named like the role (else the lowest
    track for bass, the highest for melody); chords are estimated per bar from every track."""
    from beatengine.genres import GENRE_NAMES

    out = []
    for path in sorted([*folder.rglob("*.mid"), *folder.rglob("*.midi")]):
        g = path.parent.name if path.parent.name in GENRE_NAMES else (genre or "pop")
        try:
            parsed = read_midi(str(path))
            tracks = _tracks(path)
        except (ValueError, OSError):
            continue
        pitched = {k: v for k, v in tracks.items() if v}
        if not pitched:
            continue
        every = [n for v in pitched.values() for n in v]
        bpb = 4.0 if parsed.time_signature == "4/4" else 3.0
        n_bars = int(parsed.length_beats // bpb)
        key = ks_key(every)
        chords = estimate_chords(every, n_bars, bpb)
        named = [k for k in pitched if any(w in k.lower() for w in LINE_TRACK_NAMES.get(role, ()))]
        mean = {k: np.mean([n.pitch for n in v]) for k, v in pitched.items()}
        pick = named[0] if named else (min(mean, key=mean.get) if role == "bassline"
                                       else max(mean, key=mean.get))
        meter = parsed.time_signature if parsed.time_signature in METERS else "4/4"
        fake = DataSong(str(path), "folder", "validation", g, key, meter, parsed.bpm,
                        [(s, e, c) for s, e, c in chords], pitched[pick] if role == "melody" else None,
                        pitched[pick] if role == "bassline" else None, None)
        out += song_clips(role, [fake])
    return out


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


def features(role: str, notes: list[Note], spans: list[Span], c: Clip) -> np.ndarray:
    if role == "chords":
        return HF.progression_features(spans, c.key, c.bars)
    return HF.line_features(notes, spans, c.key, c.bars, beats_per_bar(c.meter))


def midi_checks(notes: list[Note], c: Clip) -> dict:
    bpb = beats_per_bar(c.meter)
    data = write_midi(Song([Track("part", notes)], bpm=c.bpm, time_signature=c.meter,
                           key_signature=c.key.midi_key_signature(), length_beats=c.bars * bpb))
    parsed = read_midi(data)
    return {"bars_ok": round(parsed.length_beats / bpb, 6) == c.bars,
            "tempo_ok": abs(parsed.bpm - c.bpm) < 0.01, "meter_ok": parsed.time_signature == c.meter}


def chords_per_bar(c: Clip) -> int:
    changes = len(c.spans)
    allowed = (1, 2, 4) if c.meter == "4/4" else (1, 3)
    return min(allowed, key=lambda k: abs(k - changes / c.bars))


class Systems:
    """The generators and baselines of one role, with a uniform make(clip, seed, control)."""

    def __init__(self, role: str, ctx, songs: list[DataSong]):
        self.role = role
        self.gens = {"model": _load(role, ctx.checkpoint.path)}
        if ctx.previous is not None:
            self.gens["previous"] = _load(role, ctx.previous.path)
        size, positions, step_f, seq_f, version = VOCAB[role]
        mcfg = SeqModelConfig(role=role, vocab_size=size, num_positions=positions,
                              step_features=step_f, seq_features=seq_f)
        arrays, is_train, _, _ = cached_arrays(role, ctx.cfg[role], mcfg, Path("."), songs)
        a = arrays.subset(np.nonzero(is_train)[0])
        self.markov = MarkovSeq(size).fit(a.tgt, a.pos, a.genre)
        self.train_clips = song_clips(role, [s for s in songs if s.split == "train"])
        dens = [len(c.notes) / c.bars for c in self.train_clips if c.notes]
        self.mean_density = float(np.mean(dens)) if dens else 4.0

    def params(self, c: Clip, seed: int, control: float, constrained: bool = True):
        if self.role == "chords":
            return ChordParams(key=c.key, genre=c.genre, bars=c.bars, time_signature=c.meter,
                               chords_per_bar=chords_per_bar(c), complexity=control, seed=seed)
        low, high = REGISTER[self.role]
        return LineParams(key=c.key, genre=c.genre, bars=c.bars, spans=c.spans,
                          time_signature=c.meter, density=control, low=low, high=high, seed=seed,
                          constrained=constrained)

    def model(self, name: str, c: Clip, seed: int, control: float, constrained: bool = True
              ) -> tuple[list[Note], list[Span]]:
        v = self.gens[name].generate(self.params(c, seed, control, constrained))[0]
        return (v.notes, v.spans) if self.role == "chords" else (v.notes, c.spans)

    def markov_clip(self, c: Clip, seed: int, control: float, constrained: bool = True
                    ) -> tuple[list[Note], list[Span]]:
        gen, rng = self.gens["model"], np.random.default_rng(seed)
        p = self.params(c, seed, control, constrained)
        if self.role == "chords":
            cond, bias, hook, locked = gen.prepare(p)
            tokens = self.markov.sample(cond.genre, cond.positions, rng, bias=bias, hook=hook)
            spans = gen.spans(tokens, p, locked)
            return voice_progression([(s.start, s.beats, s.chord) for s in spans], "block",
                                     c.meter), spans
        pr = gen.prepare(p)
        tokens = self.markov.sample(pr.cond.genre, pr.cond.positions, rng, bias=pr.static,
                                    step_bias=pr.step_bias, hook=pr.hook)
        return gen.render(LV.decode_line(tokens, pr.refs, gen.vocab), p, rng), c.spans

    def random_clip(self, c: Clip, seed: int) -> tuple[list[Note], list[Span]]:
        rng = np.random.default_rng(seed)
        bpb = beats_per_bar(c.meter)
        if self.role == "chords":
            k = chords_per_bar(c)
            step = bpb / k
            degrees = [0, 2, 4, 5, 7, 9, 11] if c.key.mode == "major" else list(
                (pc - c.key.tonic) % 12 for pc in c.key.scale)
            spans = []
            for i in range(c.bars * k):
                root = (c.key.tonic + int(rng.choice(degrees))) % 12
                third = (root + 4) % 12 in c.key.scale
                chord = Chord(root, "" if third else "m")
                spans.append(Span(i * step, (i + 1) * step, chord, chord.symbol))
            return voice_progression([(s.start, s.beats, s.chord) for s in spans], "block",
                                     c.meter), spans
        low, high = REGISTER[self.role]
        pool = [p for p in range(low, high + 1) if p % 12 in c.key.scale]
        steps = c.bars * steps_per_bar(c.meter)
        onsets = np.nonzero(rng.random(steps) < self.mean_density / steps_per_bar(c.meter))[0]
        notes = [Note(int(rng.choice(pool)), t / 4, (nxt - t) / 4, 90) for t, nxt in
                 zip(onsets, [*onsets[1:], steps], strict=True)]
        return notes, c.spans

    def copy_clip(self, c: Clip, seed: int) -> tuple[list[Note], list[Span]]:
        """A training window in the same metre and mode, moved into the clip's key."""
        rng = np.random.default_rng(seed)
        pool = ([t for t in self.train_clips if t.meter == c.meter and t.key.mode == c.key.mode]
                or self.train_clips)
        t = pool[int(rng.integers(len(pool)))]
        shift = (c.key.tonic - t.key.tonic + 6) % 12 - 6
        spans = [Span(s.start, s.end, _moved(s.chord, shift), s.symbol) for s in t.spans]
        if self.role == "chords":
            return voice_progression([(s.start, s.beats, s.chord) for s in spans], "block",
                                     c.meter), spans
        return [Note(n.pitch + shift, n.start, n.duration, n.velocity) for n in t.notes], spans


def _moved(chord: Chord, shift: int) -> Chord:
    return Chord((chord.root + shift) % 12, chord.quality,
                 None if chord.bass is None else (chord.bass + shift) % 12)


def _load(role: str, path: Path):
    return ROLES[role].generator.load(path)


def copy_hashes(role: str, notes: list[Note], spans: list[Span], key: Key) -> np.ndarray:
    if role == "chords":
        beats = int(max((s.end for s in spans), default=0))
        tokens = np.zeros(beats, np.int64)
        for s in spans:
            tokens[int(s.start):int(np.ceil(s.end))] = CV.chord_token(s.chord, key)
        return chord_window_hashes(tokens)
    return note_ngram_hashes(sorted(notes, key=lambda n: (int(round(n.start * 4)), n.pitch)))


def evaluate(ctx) -> dict:
    role = ctx.role
    songs = load_harmony(ctx.cfg[role]["data"])
    ref = (folder_clips(role, ctx.reference, ctx.genre) if ctx.reference is not None
           else song_clips(role, [s for s in songs if s.split == "validation"]))
    clips_a, clips_b = ctx.slices(ref, lambda c: c.origin)
    systems = Systems(role, ctx, songs)
    index = build_index(role, songs)
    rng = np.random.default_rng(ctx.seed)
    if role == "chords":  # the complexity that asks for the real clip's share of rich chords
        rich = np.array([HF.progression_features(c.spans, c.key, c.bars)[3] for c in clips_a])
        control = np.where(rich > 0, 1 / 3 + rich / 1.5, 0.2)
    else:  # a density percentile drawn from its training distribution (uniform)
        control = rng.random(len(clips_a))
    made: dict[str, list[tuple[list[Note], list[Span]]]] = {
        "real_a": [(c.notes, c.spans) for c in clips_a], "real_b": [(c.notes, c.spans) for c in clips_b]}
    for name in systems.gens:
        made[name] = [systems.model(name, c, ctx.seed + i, float(control[i]))
                      for i, c in enumerate(clips_a)]
    made["markov"] = [systems.markov_clip(c, ctx.seed + i, float(control[i]))
                      for i, c in enumerate(clips_a)]
    made["random"] = [systems.random_clip(c, ctx.seed + i) for i, c in enumerate(clips_a)]
    made["copy"] = [systems.copy_clip(c, ctx.seed + i) for i, c in enumerate(clips_a)]
    if role == "chords":  # real progressions are compared as they would sound: voiced alike
        for name in ("real_a", "real_b"):
            made[name] = [(voice_progression([(s.start, s.beats, s.chord) for s in spans], "block",
                                             c.meter), spans)
                          for (_, spans), c in zip(made[name], clips_a if name == "real_a"
                                                   else clips_b, strict=True)]
    clips_of = {name: clips_b if name == "real_b" else clips_a for name in made}
    names = (HF.progression_feature_names() if role == "chords" else HF.line_feature_names())
    feats = {name: np.array([features(role, n, s, c) for (n, s), c in
                             zip(parts, clips_of[name], strict=True)]).reshape(len(parts), len(names))
             for name, parts in made.items()}
    scalars = list(HF.CHORD_SCALARS if role == "chords" else HF.LINE_SCALARS)
    if role != "bassline" and "downbeat_roots" in scalars:
        scalars.remove("downbeat_roots")
        drop = HF.LINE_SCALARS.index("downbeat_roots")
        feats = {k: np.delete(v, drop, axis=1) for k, v in feats.items()}
        names = [n for n in names if n != "downbeat_roots"]

    def key_accuracy(name: str) -> float:
        hits = [ks_key(n) == c.key for (n, _), c in zip(made[name], clips_of[name], strict=True) if n]
        return float(np.mean(hits)) if hits else float("nan")

    def controls(name: str) -> dict:
        checks = [midi_checks(n, c) for (n, _), c in zip(made[name], clips_a, strict=True)]
        if role == "chords":
            got = [f[names.index("richness")] for f in feats[name]]
        else:
            got = [f[0] for f in feats[name]]  # notes per bar
        return {"bars": np.mean([m["bars_ok"] for m in checks]),
                "tempo": np.mean([m["tempo_ok"] for m in checks]),
                "time_signature": np.mean([m["meter_ok"] for m in checks]),
                "density_rank_corr": ctx.measures.rank_correlation(control, np.array(got)),
                "key": key_accuracy(name), "genre_recognition": float("nan")}

    following = ["in_key", "chord_tones_strong"] + (["downbeat_roots"] if role == "bassline" else [])
    chord_following = {} if role == "chords" else {
        name: {m: float(feats[name][:, scalars.index(m)].mean()) for m in following}
        for name in made if len(feats[name])}
    if role != "chords":  # the model alone against the Markov model alone: only the register mask
        for name, make in (("model_unconstrained", lambda c, i: systems.model(
                "model", c, ctx.seed + i, float(control[i]), constrained=False)),
                           ("markov_unconstrained", lambda c, i: systems.markov_clip(
                               c, ctx.seed + i, float(control[i]), constrained=False))):
            f = np.array([features(role, *make(c, i), c) for i, c in enumerate(clips_a)])
            if names != HF.line_feature_names():
                f = np.delete(f, HF.LINE_SCALARS.index("downbeat_roots"), axis=1)
            chord_following[name] = {m: float(f[:, scalars.index(m)].mean()) for m in following}
    copy_rates = {}
    for name, parts in made.items():
        if name == "real_a":
            continue
        hashes = [copy_hashes(role, n, s, c.key) for (n, s), c in zip(parts, clips_of[name], strict=True)]
        allh = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
        copy_rates[name] = float(index.found(allh).mean()) if len(allh) else float("nan")
    return {
        "feature_names": names, "scalar_features": scalars, "features": feats,
        "groups": {**{k: [c.origin for c in clips_a] for k in made}, "real_b": [c.origin for c in clips_b]},
        "conditions": {"genres": sorted({c.genre for c in clips_a})},
        "controls": {name: controls(name) for name in systems.gens},
        "real_genre_recognition": float("nan"), "real_key_accuracy": key_accuracy("real_a"),
        "chord_following": chord_following, "copy_rates": copy_rates,
        "copy_unit": "8-chord windows" if role == "chords" else f"{NGRAM}-note interval n-grams",
        "notes": ["control 'density_rank_corr' is the rank correlation of the requested "
                  + ("complexity with the generated richness" if role == "chords"
                     else "density with the generated notes per bar"),
                  "genre recognition is not measured here: the harmony data labels too few genres "
                  "for a genre classifier to mean anything (POP909 is all pop)"],
    }
