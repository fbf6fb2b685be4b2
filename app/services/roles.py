"""Each role's request model and builder, in one table: the /generate routes run them, and a
logged generation is made again from its stored request and seed (same model version, same notes)
when a user offers it as training material."""

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from app.schemas.arrangement import ArrangementRequest
from app.schemas.common import GenerateRequest
from app.schemas.drums import DrumsRequest
from app.schemas.harmony import BasslineRequest, ChordsRequest, MelodyRequest
from app.services.arrangement import build_arrangement
from app.services.drums import build_drums
from app.services.generation import Built
from app.services.harmony import build_chords, build_line
from app.services.models import ModelBank
from beatengine.errors import UnsupportedRequest
from eventlog.store import EventStore

# (request, the role's loaded model, every model, the event store, seed) -> Built
Builder = Callable[[Any, Any, ModelBank, EventStore, int], Built]

ROLES: dict[str, tuple[type[GenerateRequest], Builder]] = {
    "drums": (DrumsRequest, lambda req, model, models, store, seed: build_drums(req, model, seed)),
    "chords": (ChordsRequest, lambda req, model, models, store, seed:
               build_chords(req, models, seed)),
    "bassline": (BasslineRequest, lambda req, model, models, store, seed:
                 build_line("bassline", req, models, store, seed)),
    "melody": (MelodyRequest, lambda req, model, models, store, seed:
               build_line("melody", req, models, store, seed)),
    "arrangement": (ArrangementRequest, lambda req, model, models, store, seed:
                    build_arrangement(req, model, seed)),
}


def no_such_variation(record: dict, variation: int) -> str | None:
    """Why a logged generation has no `variation`, or None when it has."""
    count = record["params"].get("variations", 1)
    if variation < count:
        return None
    return (f"generation {record['event_id']} has {count} variation(s); there is no variation "
            f"{variation}")


def regenerate(record: dict, variation: int, models: ModelBank, store: EventStore) -> dict:
    """One variation of a logged generation, made again. UnsupportedRequest when that cannot give
    the same notes (another model version is loaded now, or the request was not kept: it is only
    with training_opt_in)."""
    role, gid = record["role"], record["event_id"]
    if record.get("status") != "done" or not record.get("request"):
        raise UnsupportedRequest(f"generation {gid} was made without training_opt_in, so its "
                                 "request was not kept and it cannot be made again; send its "
                                 "midi_base64 instead")
    if (missing := no_such_variation(record, variation)) is not None:
        raise UnsupportedRequest(missing)
    model = models.get(role)
    if model is None or model.version != record["model_version"]:
        raise UnsupportedRequest(f"generation {gid} was made by {role} {record['model_version']}, "
                                 "which is not loaded now; send its midi_base64 instead")
    request_model, build = ROLES[role]
    try:
        req = request_model.model_validate({**record["request"], "consent": record["consent"]})
    except ValidationError as exc:  # kept before a bound was added (e.g. note times)
        raise UnsupportedRequest(f"generation {gid} was made from a request this version no "
                                 "longer accepts; send its midi_base64 instead") from exc
    return build(req, model, models, store, record["seed"]).variations[variation]
