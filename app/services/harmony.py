"""Chords, bassline and melody for the API: request -> core parameters -> tracks, chords, MIDI."""

import base64
import math

import numpy as np

from app.schemas.harmony import ROLE_REGISTER, BasslineRequest, ChordsRequest, DrumsRef, LineRequest
from app.services.generation import Built
from app.services.models import ModelBank
from beatengine import instruments
from beatengine.errors import UnsupportedRequest
from beatengine.genres import GENRE_BY_NAME
from beatengine.meter import STEPS_PER_BEAT, beats_per_bar, steps_per_bar
from beatengine.midi_io import Note, Song, Track, write_midi
from beatengine.roles.chords.generator import ChordParams
from beatengine.roles.chords.progression import Span, chords_out, parse_items, spans_of
from beatengine.roles.chords.voicing import GENRE_VOICING
from beatengine.roles.lines.generator import LineParams
from beatengine.theory import Key, infer_key, parse_key
from eventlog.store import EventStore

KICK_NOTES = (35, 36)


def _items(chords: list | None) -> list:
    """Request chords as core items: symbol, (symbol, beats) or None."""
    return [c if c is None or isinstance(c, str) else (c.symbol, c.beats) for c in chords or []]


def resolve_key(req, bpb: int) -> tuple[Key, str]:
    """The request's key; else inferred from its chords; else the genre's usual. Returns the key
    and how it was found."""
    if req.key:
        return parse_key(req.key), "requested"
    chords = [c for _, c, _ in parse_items([i for i in _items(req.chords) if i is not None], bpb)]
    if chords:
        return infer_key(chords), "inferred from chords"
    return parse_key(instruments.default_key(req.genre)), "genre default"


def bpm_of(req) -> float:
    """The request's tempo, or its genre's usual one."""
    return float(req.bpm or GENRE_BY_NAME[req.genre].default_bpm)


def _midi(tracks: list[Track], req, key: Key, beats: float) -> str:
    data = write_midi(Song(tracks, bpm=bpm_of(req), time_signature=req.time_signature,
                           key_signature=key.midi_key_signature(), length_beats=beats))
    return base64.b64encode(data).decode("ascii")


def _track(name: str, part: str, notes: list[Note], genre: str, voicing: str | None = None) -> Track:
    return Track(name, notes, program=instruments.program(part, genre, voicing),
                 channel=instruments.CHANNELS[part])


def _track_json(t: Track) -> dict:
    return {"name": t.name, "is_drum": t.is_drum, "program": t.program, "channel": t.channel,
            "notes": [{"pitch": n.pitch, "start": n.start, "duration": n.duration,
                       "velocity": n.velocity} for n in t.notes]}


def chord_params(req: ChordsRequest, key: Key, seed: int, variations: int | None = None
                 ) -> ChordParams:
    return ChordParams(key=key, genre=req.genre, bars=req.bars, time_signature=req.time_signature,
                       chords_per_bar=req.chords_per_bar, complexity=req.complexity,
                       voicing=req.voicing or GENRE_VOICING.get(req.genre, "block"),
                       locked=_items(req.chords), temperature=req.temperature, seed=seed,
                       variations=variations or req.variations)


def build_chords(req: ChordsRequest, models: ModelBank, seed: int) -> Built:
    key, key_source = resolve_key(req, beats_per_bar(req.time_signature))
    p = chord_params(req, key, seed)
    beats = req.bars * p.beats_per_bar
    variations = []
    for v in models.get("chords").generator.generate(p):
        track = _track("chords", "chords", v.notes, req.genre, p.voicing)
        scale = set(key.scale)
        in_key = sum(n.pitch % 12 in scale for n in v.notes) / max(len(v.notes), 1)
        variations.append({"tracks": [_track_json(track)], "chords": chords_out(v.spans),
                           "midi_base64": _midi([track], req, key, beats),
                           "originality": v.originality.as_dict(),
                           # every voiced note is a tone of its chord; borrowed chords leave the key
                           "adherence": {"in_key": round(in_key, 4), "strong_beat_chord_tones": 1.0}})
    params = {**_common(req, key, key_source, seed), "chords_per_bar": p.chords_per_bar,
              "complexity": p.complexity, "voicing": p.voicing,
              "locked": [c if c is None or isinstance(c, str) else c.model_dump()
                         for c in req.chords or []]}
    return Built(params, variations)


def _common(req, key: Key, key_source: str, seed: int) -> dict:
    return {"genre": req.genre, "bpm": bpm_of(req), "bars": req.bars,
            "time_signature": req.time_signature, "key": str(key), "key_source": key_source,
            "temperature": req.temperature, "seed": seed, "variations": req.variations}


def progression_for(req: LineRequest, key: Key, models: ModelBank, seed: int
                    ) -> tuple[list[Span], str]:
    """The request's chords (looped to fill the bars), or a progression the chord model makes."""
    bpb = beats_per_bar(req.time_signature)
    total = req.bars * bpb
    if req.chords:
        return spans_of(_items(req.chords), bpb, total), "requested"
    chords_model = models.get("chords")
    if chords_model is None:
        raise UnsupportedRequest("no chords given and no chords model is loaded to write them")
    creq = ChordsRequest(consent=req.consent, genre=req.genre, bars=req.bars,
                         time_signature=req.time_signature, key=str(key))
    made = chords_model.generator.generate(chord_params(creq, key, seed, variations=1))[0]
    return made.spans, f"made by chords {chords_model.version}"


def kick_steps(req: BasslineRequest, store: EventStore, models: ModelBank) -> np.ndarray | None:
    """(T,) bool: the 16th steps where the given drum part has a kick, its pattern repeated when
    the drum clip is shorter than the bassline (as a drum loop plays on)."""
    if req.drums is None:
        return None
    spb = steps_per_bar(req.time_signature)
    if isinstance(req.drums, DrumsRef):
        notes, clip_bars = drums_of_generation(req.drums, req.consent.user_id, store, models,
                                               req.time_signature)
    else:
        notes = [Note(n.pitch, n.start, n.duration, n.velocity) for n in req.drums]
        bpb = beats_per_bar(req.time_signature)
        last = max((n.start for n in notes if math.isfinite(n.start)), default=0)
        clip_bars = max(1, math.ceil((last + 1e-6) / bpb))
    clip = np.zeros(min(clip_bars, req.bars) * spb, bool)
    for n in notes:
        # The request schema bounds note times, callers from the core may not: a time far outside
        # the clip (or not finite; NaN fails both comparisons) is never turned into a step.
        if n.pitch not in KICK_NOTES or not -1 <= n.start <= len(clip) / STEPS_PER_BEAT + 1:
            continue
        t = int(round(n.start * STEPS_PER_BEAT))
        if 0 <= t < len(clip):
            clip[t] = True
    if not clip.any():
        raise UnsupportedRequest("the given drum part has no kicks (notes 35 or 36) in these bars")
    return np.resize(clip, req.bars * spb)


def drums_of_generation(ref: DrumsRef, user_id: str, store: EventStore, models: ModelBank,
                        time_signature: str) -> tuple[list[Note], int]:
    """A logged drums generation's notes and bars, made again from its params and seed (the same
    model version gives the same notes)."""
    from app.services.drums import regenerate_drums

    rec = store.get_generation(ref.generation_id)
    if rec is None or rec["user_id"] != user_id or rec["role"] != "drums" or rec["status"] != "done":
        raise UnsupportedRequest(f"no drums generation {ref.generation_id!r} of this user")
    params = rec["params"]
    if params["time_signature"] != time_signature:
        raise UnsupportedRequest(f"drums generation {ref.generation_id!r} is in "
                                 f"{params['time_signature']}, the bassline in {time_signature}")
    drums = models.get("drums")
    if drums is None or drums.version != rec["model_version"]:
        raise UnsupportedRequest(f"generation {ref.generation_id!r} was made by drums "
                                 f"{rec['model_version']}, which is not loaded; send its notes")
    if ref.variation >= params["variations"]:
        raise UnsupportedRequest(f"generation {ref.generation_id!r} has "
                                 f"{params['variations']} variations")
    return regenerate_drums(params, drums)[ref.variation], int(params["bars"])


def build_line(role: str, req: LineRequest, models: ModelBank, store: EventStore, seed: int
               ) -> Built:
    """A bassline or a melody over the request's chords (or a progression made for it)."""
    bpb = beats_per_bar(req.time_signature)
    key, key_source = resolve_key(req, bpb)
    spans, chord_source = progression_for(req, key, models, seed)
    low, high = ROLE_REGISTER[role]
    low = req.register_low if req.register_low is not None else low
    high = req.register_high if req.register_high is not None else high
    if high - low < 12:
        raise UnsupportedRequest(f"register {low}-{high} is under an octave")
    kicks = kick_steps(req, store, models) if isinstance(req, BasslineRequest) else None
    p = LineParams(key=key, genre=req.genre, bars=req.bars, spans=spans,
                   time_signature=req.time_signature, density=req.density, low=low, high=high,
                   chromaticism=req.chromaticism, kicks=kicks, temperature=req.temperature,
                   seed=seed, variations=req.variations, humanize=req.humanize)
    name = "bass" if role == "bassline" else "melody"
    variations = []
    for v in models.get(role).generator.generate(p):
        track = _track(name, name, v.notes, req.genre)
        variations.append({"tracks": [_track_json(track)], "chords": chords_out(spans),
                           "midi_base64": _midi([track], req, key, req.bars * bpb),
                           "originality": v.originality.as_dict(), "adherence": v.adherence})
    params = {**_common(req, key, key_source, seed), "density": req.density,
              "register": [low, high], "chromaticism": req.chromaticism,
              "humanize": req.humanize, "chords_source": chord_source,
              "locked_to_kicks": kicks is not None}
    return Built(params, variations)
