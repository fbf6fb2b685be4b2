"""Basslines for the API: the drum part to lock to (its notes, or an earlier drums generation of
the same user, made again), then the shared line builder."""

import numpy as np

from app.schemas.harmony import BasslineRequest, DrumsRef
from app.services.drums import regenerate_drums
from app.services.generation import Built
from app.services.lines import build_line
from app.services.models import ModelBank
from beatengine.errors import UnsupportedRequest
from beatengine.midi_io import Note
from beatengine.roles.drums.kicks import clip_bars, kick_offsets, kick_steps
from eventlog.store import EventStore


def build_bassline(req: BasslineRequest, models: ModelBank, store: EventStore, seed: int) -> Built:
    kicks = kicks_of(req, store, models)
    return build_line("bassline", req, models, seed, *(kicks or (None, None)))


def kicks_of(req: BasslineRequest, store: EventStore, models: ModelBank
             ) -> tuple[np.ndarray, np.ndarray] | None:
    """(T,) bool: the 16th steps where the given drum part has a kick, and (T,) how far each kick
    sounds off its step, in beats (None: no drum part)."""
    if req.drums is None:
        return None
    if isinstance(req.drums, DrumsRef):
        notes, bars = drums_of_generation(req.drums, req.consent.user_id, store, models,
                                          req.time_signature)
    else:
        notes = [Note(n.pitch, n.start, n.duration, n.velocity) for n in req.drums]
        bars = clip_bars(notes, req.time_signature)
    kicks = kick_steps(notes, req.time_signature, req.bars, bars)
    if not kicks.any():
        raise UnsupportedRequest("the given drum part has no kicks (notes 35 or 36) in these bars")
    return kicks, kick_offsets(notes, req.time_signature, req.bars, bars)


def drums_of_generation(ref: DrumsRef, user_id: str, store: EventStore, models: ModelBank,
                        time_signature: str) -> tuple[list[Note], int]:
    """A logged drums generation's notes and bars, made again from its params and seed (the same
    model version gives the same notes)."""
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
