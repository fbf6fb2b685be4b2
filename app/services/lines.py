"""What the bassline and melody builders share: the chords to follow (the request's, or a
progression the chord model writes), the register, and the line's tracks and MIDI."""

import numpy as np

from app.schemas.harmony import ChordsRequest, LineRequest
from app.services.chords import chord_params
from app.services.generation import Built
from app.services.harmony import chord_items, common_params, harmony_song, part_track, resolve_key
from app.services.models import ModelBank
from app.services.render import midi_base64, track_out
from beatengine.errors import UnsupportedRequest
from beatengine.meter import beats_per_bar
from beatengine.roles import ROLES
from beatengine.roles.chords.progression import Span, chords_out, spans_of
from beatengine.roles.lines.generator import LineParams
from beatengine.theory import Key


def progression_for(req: LineRequest, key: Key, models: ModelBank, seed: int
                    ) -> tuple[list[Span], str]:
    """The request's chords (looped to fill the bars), or a progression the chord model makes."""
    bpb = beats_per_bar(req.time_signature)
    if req.chords:
        return spans_of(chord_items(req.chords), bpb, req.bars * bpb), "requested"
    chords_model = models.get("chords")
    if chords_model is None:
        raise UnsupportedRequest("no chords given and no chords model is loaded to write them")
    creq = ChordsRequest(consent=req.consent, genre=req.genre, bars=req.bars,
                         time_signature=req.time_signature, key=str(key))
    made = chords_model.generator.generate(chord_params(creq, key, seed, variations=1))[0]
    return made.spans, f"made by chords {chords_model.version}"


def register_of(role: str, req: LineRequest) -> tuple[int, int]:
    """The request's register, else the role's default; at least an octave."""
    low, high = ROLES[role].register
    low = req.register_low if req.register_low is not None else low
    high = req.register_high if req.register_high is not None else high
    if high - low < 12:
        raise UnsupportedRequest(f"register {low}-{high} is under an octave")
    return low, high


def build_line(role: str, req: LineRequest, models: ModelBank, seed: int,
               kicks: np.ndarray | None = None, kick_offsets: np.ndarray | None = None) -> Built:
    """A bassline or a melody over the request's chords (or a progression made for it)."""
    bpb = beats_per_bar(req.time_signature)
    key, key_source = resolve_key(req, bpb)
    spans, chord_source = progression_for(req, key, models, seed)
    low, high = register_of(role, req)
    p = LineParams(key=key, genre=req.genre, bars=req.bars, spans=spans,
                   time_signature=req.time_signature, density=req.density, low=low, high=high,
                   chromaticism=req.chromaticism, kicks=kicks, kick_offsets=kick_offsets,
                   temperature=req.temperature,
                   seed=seed, variations=req.variations, humanize=req.humanize)
    part = ROLES[role].part
    variations = []
    for v in models.get(role).generator.generate(p):
        track = part_track(part, v.notes, req.genre)
        variations.append({"tracks": [track_out(track)], "chords": chords_out(spans),
                           "midi_base64": midi_base64(harmony_song([track], req, key,
                                                                   req.bars * bpb)),
                           "originality": v.originality.as_dict(), "adherence": v.adherence})
    params = {**common_params(req, key, key_source, seed), "density": req.density,
              "register": [low, high], "chromaticism": req.chromaticism,
              "humanize": req.humanize, "chords_source": chord_source,
              "locked_to_kicks": kicks is not None}
    return Built(params, variations)
