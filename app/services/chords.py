"""Chords for the API: request -> `ChordParams` -> spans and voiced notes -> tracks and MIDI."""

from app.schemas.harmony import ChordsRequest
from app.services.generation import Built
from app.services.harmony import chord_items, common_params, harmony_song, part_track, resolve_key
from app.services.models import ModelBank
from app.services.render import midi_base64, track_out
from beatengine.meter import beats_per_bar
from beatengine.roles.chords.generator import ChordParams
from beatengine.roles.chords.progression import chords_out
from beatengine.roles.chords.voicing import GENRE_VOICING
from beatengine.theory import Key


def chord_params(req: ChordsRequest, key: Key, seed: int, variations: int | None = None
                 ) -> ChordParams:
    return ChordParams(key=key, genre=req.genre, bars=req.bars, time_signature=req.time_signature,
                       chords_per_bar=req.chords_per_bar, complexity=req.complexity,
                       voicing=req.voicing or GENRE_VOICING.get(req.genre, "block"),
                       locked=chord_items(req.chords), temperature=req.temperature, seed=seed,
                       variations=variations or req.variations, loop_bars=req.loop_bars,
                       chromaticism=req.chromaticism)


def build_chords(req: ChordsRequest, models: ModelBank, seed: int) -> Built:
    key, key_source = resolve_key(req, beats_per_bar(req.time_signature))
    p = chord_params(req, key, seed)
    beats = req.bars * p.beats_per_bar
    scale = set(key.scale)
    variations = []
    for v in models.get("chords").generator.generate(p):
        track = part_track("chords", v.notes, req.genre, p.voicing)
        in_key = sum(n.pitch % 12 in scale for n in v.notes) / max(len(v.notes), 1)
        variations.append({"tracks": [track_out(track)], "chords": chords_out(v.spans),
                           "midi_base64": midi_base64(harmony_song([track], req, key, beats)),
                           "originality": v.originality.as_dict(),
                           # every voiced note is a tone of its chord; borrowed chords leave the key
                           "adherence": {"in_key": round(in_key, 4), "strong_beat_chord_tones": 1.0}})
    params = {**common_params(req, key, key_source, seed), "chords_per_bar": p.chords_per_bar,
              "complexity": p.complexity, "loop_bars": p.loop_bars,
              "chromaticism": p.chromaticism, "voicing": p.voicing,
              "locked": [c if c is None or isinstance(c, str) else c.model_dump()
                         for c in req.chords or []]}
    return Built(params, variations)
