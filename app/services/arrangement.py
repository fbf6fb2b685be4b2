"""Arrangements for the API: request -> form, key, parts -> one multi-track MIDI file and JSON."""

from app.schemas.arrangement import ArrangementRequest
from app.services.generation import Built
from app.services.harmony import bpm_of, chord_items, resolve_key
from app.services.models import ComposedModel
from app.services.render import midi_base64, track_out
from beatengine import instruments
from beatengine.arrangement import ArrangementParams, Section, form_for
from beatengine.meter import beats_per_bar
from beatengine.midi_io import Song, Track
from beatengine.roles.chords.progression import Span, chords_out, spans_of
from beatengine.theory import infer_key


def section_chords(s, bpb: int) -> tuple[Span, ...] | None:
    """A request section's own progression as spans over its bars (None: it has none)."""
    return tuple(spans_of(chord_items(s.chords), bpb, s.bars * bpb)) if s.chords else None


TRACK_NAMES = {"drums": "Drums", "bass": "Bass", "chords": "Chords", "melody": "Lead"}


def build_arrangement(req: ArrangementRequest, model: ComposedModel, seed: int) -> Built:
    bpb = beats_per_bar(req.time_signature)
    sections = ([Section(s.name, s.bars, s.energy, section_chords(s, bpb)) for s in req.sections]
                if req.sections else form_for(req.genre, req.bars))
    key, key_source = resolve_key(req, bpb)
    given = [sp.chord for s in sections for sp in s.chords or ()]
    if not req.key and not req.chords and given:
        key, key_source = infer_key(given), "inferred from the sections' chords"
    bars = sum(s.bars for s in sections)
    variations = []
    for v in range(req.variations):
        p = ArrangementParams(genre=req.genre, key=key, bpm=bpm_of(req), sections=sections,
                              time_signature=req.time_signature, parts=tuple(req.tracks),
                              seed=seed + 7919 * v, temperature=req.temperature,
                              chords=spans_of(chord_items(req.chords), bpb, bars * bpb)
                              if req.chords else None)
        song = model.generator.arrange(p)
        tracks = [Track(TRACK_NAMES[part], song.notes[part], is_drum=part == "drums",
                        program=instruments.program(part, req.genre),
                        channel=instruments.CHANNELS[part]) for part in p.parts]
        midi = midi_base64(Song(tracks, bpm=p.bpm, time_signature=req.time_signature,
                                key_signature=key.midi_key_signature(),
                                markers=[(s.start, s.section.name) for s in song.sections],
                                length_beats=bars * bpb))
        variations.append({
            "tracks": [track_out(t) for t in tracks],
            "chords": chords_out(song.spans),
            "sections": [{"name": s.section.name, "start": s.start, "bars": s.section.bars,
                          "energy": s.section.energy, "parts": s.parts} for s in song.sections],
            "midi_base64": midi})
    params = {"genre": req.genre, "bpm": bpm_of(req), "bars": bars, "time_signature": req.time_signature,
              "key": str(key), "key_source": key_source, "tracks": list(req.tracks),
              "sections": [{"name": s.name, "bars": s.bars, "energy": s.energy} for s in sections],
              "temperature": req.temperature, "seed": seed, "variations": req.variations,
              "models": model.version}
    return Built(params, variations)
