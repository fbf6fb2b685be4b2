"""Drum generation for the API: request -> `DrumParams` -> grids -> tracks and MIDI."""

from app.schemas.drums import DrumsRequest
from app.services.generation import Built
from app.services.models import LoadedModel
from app.services.render import midi_base64, track_out
from beatengine.genres import GENRE_BY_NAME
from beatengine.meter import STEPS_PER_BEAT
from beatengine.midi_io import DRUM_CHANNEL, Note, Song, Track
from beatengine.roles.drums.generator import DrumParams
from beatengine.roles.drums.loop import loop_bars
from beatengine.roles.drums.vocab import PIECE_NAMES


def drum_params(req: DrumsRequest, seed: int) -> DrumParams:
    """The core's parameters for a validated request (the genre's tempo when `bpm` is omitted)."""
    return DrumParams(
        genre=req.genre, bpm=float(req.bpm or GENRE_BY_NAME[req.genre].default_bpm), bars=req.bars,
        time_signature=req.time_signature, density=req.density, swing=req.swing,
        humanize=req.humanize, fills=req.fills, temperature=req.temperature, seed=seed,
        variations=req.variations, drum_map=dict(req.drum_map), exclude=list(req.exclude),
        variety=req.variety, swing_grid=req.swing_grid)


def regenerate_drums(params: dict, model: LoadedModel) -> list[list[Note]]:
    """The notes of every variation of a logged drums generation (its resolved params and seed,
    on the same model version, give the same notes)."""
    names = list(PIECE_NAMES)
    drum_map = {k: v for k, v in params["drum_map"].items() if k in names}
    p = DrumParams(genre=params["genre"], bpm=params["bpm"], bars=params["bars"],
                   time_signature=params["time_signature"], density=params["density"],
                   swing=params["swing"], humanize=params["humanize"], fills=params["fills"],
                   temperature=params["temperature"], seed=params["seed"],
                   variations=params["variations"], drum_map=drum_map, exclude=params["exclude"],
                   variety=params.get("variety"), swing_grid=params.get("swing_grid"))
    return [v.notes for v in model.generator.generate(p)]


def build_drums(req: DrumsRequest, model: LoadedModel, seed: int) -> Built:
    """Generate every variation and package it as tracks plus a Standard MIDI File."""
    p = drum_params(req, seed)
    note_map = p.note_map()
    params = {
        "genre": p.genre, "bpm": p.bpm, "bars": p.bars, "time_signature": p.time_signature,
        "density": p.density, "swing": p.swing, "humanize": p.humanize, "fills": p.fills,
        "fill_bars": [i for i, f in enumerate(p.fill_bars()) if f],
        "temperature": p.temperature, "seed": seed, "variations": p.variations,
        "drum_map": dict(zip(PIECE_NAMES, note_map, strict=True)), "exclude": p.exclude,
        "variety": model.generator.variety_of(p), "swing_grid": p.resolved_swing_grid(),
        "loop_bars": loop_bars(p.genre, p.bars),
    }
    variations = []
    for v in model.generator.generate(p):
        track = Track("drums", v.notes, is_drum=True, program=0, channel=DRUM_CHANNEL)
        midi = midi_base64(Song([track], bpm=p.bpm, time_signature=p.time_signature,
                                length_beats=v.grid.n_steps / STEPS_PER_BEAT))
        variations.append({"tracks": [track_out(track)], "midi_base64": midi,
                           "originality": v.originality.as_dict()})
    return Built(params, variations)
