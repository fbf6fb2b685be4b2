"""Each role's request model and builder, in one table: the /generate routes run them, and a
logged generation is made again from its stored request and seed (same model version, same notes)
when a user offers it as training material."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from app.schemas.arrangement import ArrangementRequest
from app.schemas.common import GenerateRequest
from app.schemas.drums import DrumsRequest
from app.schemas.harmony import BasslineRequest, ChordsRequest, MelodyRequest
from app.services.arrangement import build_arrangement
from app.services.bassline import build_bassline
from app.services.chords import build_chords
from app.services.drums import build_drums
from app.services.generation import Built
from app.services.melody import build_melody
from app.services.models import ModelBank
from beatengine.errors import UnsupportedRequest
from beatengine.roles import ROLE_NAMES
from eventlog.store import EventStore

# (request, the role's loaded model, every model, the event store, seed) -> Built
Builder = Callable[[Any, Any, ModelBank, EventStore, int], Built]


@dataclass(frozen=True)
class RoleBuilder:
    request: type[GenerateRequest]
    build: Builder


# The engine's roles (beatengine.roles.ROLES) and the arrangement made of them.
BUILDERS: dict[str, RoleBuilder] = {
    "drums": RoleBuilder(DrumsRequest, lambda req, model, models, store, seed:
                         build_drums(req, model, seed)),
    "chords": RoleBuilder(ChordsRequest, lambda req, model, models, store, seed:
                          build_chords(req, models, seed)),
    "bassline": RoleBuilder(BasslineRequest, lambda req, model, models, store, seed:
                            build_bassline(req, models, store, seed)),
    "melody": RoleBuilder(MelodyRequest, lambda req, model, models, store, seed:
                          build_melody(req, models, seed)),
    "arrangement": RoleBuilder(ArrangementRequest, lambda req, model, models, store, seed:
                               build_arrangement(req, model, seed)),
}
assert set(BUILDERS) == {*ROLE_NAMES, "arrangement"}


def no_such_variation(record: dict, variation: int) -> str | None:
    """Why a logged generation has no `variation`, or None when it has."""
    count = record["params"].get("variations", 1)
    if variation < count:
        return None
    return (f"generation {record['event_id']} has {count} variation(s); there is no variation "
            f"{variation}")


def regenerate(record: dict, variation: int, models: ModelBank, store: EventStore,
               made: dict[str, list[dict]] | None = None) -> dict:
    """One variation of a logged generation, made again. UnsupportedRequest when that cannot give
    the same notes (another model version is loaded now, or the request was not kept: it is only
    with training_opt_in). `made` keeps what was made per generation id, so several variations of
    one generation cost one remake."""
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
    if made is not None and gid in made:
        return made[gid][variation]
    builder = BUILDERS[role]
    try:
        req = builder.request.model_validate({**record["request"], "consent": record["consent"]})
    except ValidationError as exc:  # kept before a bound was added (e.g. note times)
        raise UnsupportedRequest(f"generation {gid} was made from a request this version no "
                                 "longer accepts; send its midi_base64 instead") from exc
    variations = builder.build(req, model, models, store, record["seed"]).variations
    if made is not None:
        made[gid] = variations
    return variations[variation]
