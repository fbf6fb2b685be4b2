"""POST /training/batch (material a user approves for training) and
DELETE /users/{user_id}/training-data (consent withdrawn)."""

import base64
import hashlib
from functools import partial
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from starlette.concurrency import run_in_threadpool

from app.api.deps import ServicesDep
from app.api.errors import CONSENT_ROUTE_ERRORS, error_responses
from app.api.routes.events import parse_limited, summarize_or_422
from app.core.auth import SubjectDep
from app.schemas.common import NO_CONTROL_CHARACTERS
from app.schemas.events import (
    BatchAccepted,
    GenerationItem,
    MidiItem,
    TrainingBatchRequest,
    WithdrawalResponse,
)
from app.services.context import Services, check_consent, ensure_same_user, store_events
from app.services.errors import ConsentRefused
from app.services.roles import regenerate
from beatengine.errors import UnsupportedRequest
from eventlog.store import iso, new_id

router = APIRouter(tags=["training"])


def _midi_item(i: int, item: MidiItem, limit: int) -> tuple[bytes, dict]:
    try:
        data = item.midi_bytes()
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"items[{i}].{exc}") from exc
    if len(data) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            f"items[{i}]: the MIDI file is larger than the {limit} bytes accepted")
    if summarize_or_422(data, f"items[{i}]").notes == 0:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"items[{i}]: no notes")
    return data, {"source": "midi", "role": item.role, "genre": item.genre}


async def _generation_item(i: int, item: GenerationItem, user_id: str, svc: Services,
                           made: dict[str, list[dict]]) -> tuple[bytes, dict]:
    gid = str(item.generation_id)
    rec = await run_in_threadpool(svc.store.get_generation, gid)
    if rec is None or rec["status"] != "done":
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"items[{i}]: no generation {gid}")
    if rec["user_id"] != user_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"items[{i}]: generation {gid} belongs to another user")
    try:
        variation = await svc.runner.run(
            lambda: regenerate(rec, item.variation, svc.models, svc.store, made))
    except UnsupportedRequest as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"items[{i}]: {exc}") from exc
    return base64.b64decode(variation["midi_base64"]), {
        "source": "generation", "role": rec["role"], "genre": rec["params"].get("genre"),
        "generation_id": gid, "variation": item.variation}


@router.post("/training/batch", status_code=202, responses=error_responses(
    *CONSENT_ROUTE_ERRORS, 409, described={
        403: "Consent refused or no training_opt_in, or another user's generation",
        413: "The request or an item is too large",
        503: "Overloaded (parsing a MIDI item or making a generation item again), or the "
                 "signing keys cannot be fetched"}))
async def training_batch(req: TrainingBatchRequest, svc: ServicesDep, subject: SubjectDep
                         ) -> BatchAccepted:
    """Material the user approves for training: 403 without `training_opt_in`. Every item is
    checked first (valid MIDI; a generation of this same user, made again from its request and
    seed); then all are stored together, or none."""
    consented_at = await check_consent(req.consent, subject, svc)
    if not req.consent.training_opt_in:
        raise ConsentRefused("consent.training_opt_in is false: nothing was stored for training")
    user = req.consent.user_id
    # The same file (whatever its labels) or the same variation twice is one piece of material.
    keys = [item.midi_base64 if isinstance(item, MidiItem) else
            (str(item.generation_id), item.variation) for item in req.items]
    if len(set(keys)) != len(keys):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "items repeat: send each "
                            "file or generation variation once")
    materials = []
    made: dict[str, list[dict]] = {}   # generation id -> its variations, made again once
    for i, item in enumerate(req.items):
        if isinstance(item, MidiItem):
            materials.append(await parse_limited(svc, partial(
                _midi_item, i, item, svc.settings.MAX_UPLOAD_BYTES)))
        else:
            materials.append(await _generation_item(i, item, user, svc, made))
    batch_id, now = new_id(), iso()
    rows = [("training_batches", {"event_id": batch_id, "user_id": user,
                                  "item_count": len(materials), "created_at": now})]
    rows += [("training_items", {
        "event_id": new_id(), "user_id": user, "batch_id": batch_id, **labels,
        "midi_base64": base64.b64encode(data).decode("ascii"),
        "sha256": hashlib.sha256(data).hexdigest(), "training_opt_in": True, "created_at": now})
        for data, labels in materials]
    await store_events(svc, *rows, consented_at=consented_at)
    return BatchAccepted(batch_id=batch_id, accepted=len(materials))


@router.delete("/users/{user_id}/training-data", responses=error_responses(
    401, 403, 422, 503, described={403: "Another user's data",
                                   422: "A user_id that is empty, too long or has control characters",
                                   503: "The signing keys cannot be fetched"}))
async def withdraw_training_data(
    user_id: Annotated[str, Path(min_length=1, max_length=128, pattern=NO_CONTROL_CHARACTERS,
                                 description="The DAW user's id (as in consent.user_id).",
                                 examples=["u_123"])],
    svc: ServicesDep, subject: SubjectDep,
) -> WithdrawalResponse:
    """Withdraw consent to training: the user's material leaves the training tables (locally and
    in the remote log), every later training run excludes it, and a consent event is recorded.
    The user must opt in again before anything new is kept."""
    ensure_same_user(subject, user_id)
    removed = await run_in_threadpool(svc.store.withdraw, user_id)
    svc.committed()
    return WithdrawalResponse(user_id=user_id, **removed)
