"""POST /feedback, /preferences and /uploads/midi: what users do with the engine's output."""

import base64
import hashlib
from collections.abc import Callable
from functools import partial
from typing import Annotated, TypeVar

from fastapi import APIRouter, File, Form, HTTPException, UploadFile, status
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from app.api.deps import ServicesDep
from app.api.errors import CONSENT_ROUTE_ERRORS, error_responses
from app.core.auth import SubjectDep
from app.schemas.common import Consent
from app.schemas.events import (
    MATERIAL_ROLES,
    EventRecorded,
    FeedbackRequest,
    MidiSummary,
    PreferencesRequest,
    UploadResponse,
)
from app.services.context import Services, check_consent, store_events
from app.services.generation import overloaded_error
from app.services.roles import no_such_variation
from app.services.runner import Overloaded
from beatengine.budget import DeadlineExceeded
from beatengine.genres import GENRE_NAMES
from beatengine.midi_summary import InvalidMidi, summarize_midi
from eventlog.store import iso, new_id

router = APIRouter(tags=["logging"])
T = TypeVar("T")



@router.post("/feedback", status_code=201, responses=error_responses(
    *CONSENT_ROUTE_ERRORS, 404, described={404: "No such generation",
                                           403: "Consent refused, or another user's generation"}))
async def feedback(req: FeedbackRequest, svc: ServicesDep, subject: SubjectDep) -> EventRecorded:
    """The user accepted or rejected a variation of one of their generations."""
    await check_consent(req.consent, subject, svc)
    gid = str(req.generation_id)
    rec = await run_in_threadpool(svc.store.get_generation, gid)
    if rec is None or rec["status"] != "done":
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no generation {gid}")
    if rec["user_id"] != req.consent.user_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"generation {gid} belongs to another user")
    if (missing := no_such_variation(rec, req.variation)) is not None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, missing)
    row = {"event_id": new_id(), "user_id": req.consent.user_id, "generation_id": gid,
           "variation": req.variation, "accepted": req.accepted, "reason": req.reason,
           "created_at": iso()}
    await store_events(svc, ("feedback", row))
    return EventRecorded(event_id=row["event_id"])


@router.post("/preferences", status_code=201, responses=error_responses(*CONSENT_ROUTE_ERRORS))
async def preferences(req: PreferencesRequest, svc: ServicesDep, subject: SubjectDep
                      ) -> EventRecorded:
    """The user's genres, favourite first (the latest event is their current choice)."""
    await check_consent(req.consent, subject, svc)
    row = {"event_id": new_id(), "user_id": req.consent.user_id, "genres": req.genres,
           "created_at": iso()}
    await store_events(svc, ("genre_preferences", row))
    return EventRecorded(event_id=row["event_id"])


def parse_consent(text: str) -> Consent:
    """The multipart `consent` field: JSON text of the consent object (422 saying what is wrong)."""
    try:
        return Consent.model_validate_json(text)
    except ValidationError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [
            {**{k: e[k] for k in ("type", "msg") if k in e},
             "loc": ["body", "consent", *e.get("loc", ())]} for e in exc.errors()]) from exc


async def read_limited(file: UploadFile, limit: int) -> bytes:
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            f"the MIDI file is larger than the {limit} bytes accepted")
    return data


async def parse_limited(svc: Services, parse: Callable[[], T]) -> T:
    """`parse()` on the parse runner: its own few threads, so a flood of uploads never holds up
    generation; 503 with Retry-After when it cannot start within MAX_QUEUE_WAIT_S or overruns
    PARSE_TIMEOUT_S. The reader is linear in the file's size (a 512 kB file: well under a second
    alone), so a parse that overruns its deadline says the server is starved, not that the file is
    bad: a 503 to retry, not a 422."""
    try:
        return await svc.parser.run(parse)
    except Overloaded as exc:
        raise overloaded_error(exc) from exc
    except DeadlineExceeded as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            f"parsing the MIDI file ran past its {svc.parser.timeout_s} s deadline "
                            "and was stopped; the server is busy, try again",
                            headers={"Retry-After": "1"}) from exc


def summarize_or_422(data: bytes, what: str = "file") -> MidiSummary:
    try:
        return MidiSummary.model_validate(summarize_midi(data))
    except (InvalidMidi, ValidationError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{what}: {exc}") from exc


@router.post("/uploads/midi", responses=error_responses(*CONSENT_ROUTE_ERRORS, 409, described={
    413: "The request or the MIDI file is too large",
    422: "Malformed consent or labels, or not a readable Standard MIDI File",
    503: "Overloaded: too many uploads being parsed, or the parse ran past its deadline"}))
async def upload_midi(
    svc: ServicesDep, subject: SubjectDep,
    file: Annotated[UploadFile, File(description="A Standard MIDI File (.mid), at most "
                                     "MAX_UPLOAD_BYTES.", examples=["groove.mid"])],
    consent: Annotated[str, Form(description="The consent object as JSON text.",
                                 examples=['{"user_id": "u_123", "terms_version": "2026-01", '
                                           '"terms_accepted": true, "training_opt_in": false}'])],
    role: Annotated[str | None, Form(description="What part the file is (training label).",
                                     examples=["drums"],
                                     json_schema_extra={"enum": list(MATERIAL_ROLES)})] = None,
    genre: Annotated[str | None, Form(description="Its genre (training label).",
                                      examples=["trap"],
                                      json_schema_extra={"enum": list(GENRE_NAMES)})] = None,
) -> UploadResponse:
    """Parse a MIDI file and say what is in it. With `training_opt_in` the file (if it has notes)
    is also kept as training material; without it only the upload event (size, hash, summary)
    is logged."""
    c = parse_consent(consent)
    if role is not None and role not in MATERIAL_ROLES:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"role must be one of {', '.join(MATERIAL_ROLES)}")
    if genre is not None and genre not in GENRE_NAMES:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"unknown genre {genre!r}")
    consented_at = await check_consent(c, subject, svc)
    data = await read_limited(file, svc.settings.MAX_UPLOAD_BYTES)
    summary = await parse_limited(svc, partial(summarize_or_422, data))
    upload_id, now, sha = new_id(), iso(), hashlib.sha256(data).hexdigest()
    keep = c.training_opt_in and summary.notes > 0  # a file without notes teaches nothing
    rows = [("midi_uploads", {
        "event_id": upload_id, "user_id": c.user_id, "filename": (file.filename or "")[:255],
        "size_bytes": len(data), "sha256": sha, "summary": summary.model_dump(),
        "training_opt_in": keep, "created_at": now})]
    if keep:
        all_drums = all(t.is_drum for t in summary.tracks)
        rows.append(("training_items", {
            "event_id": new_id(), "user_id": c.user_id, "upload_id": upload_id,
            "source": "upload", "role": role or ("drums" if all_drums else None),
            "genre": genre, "midi_base64": base64.b64encode(data).decode("ascii"),
            "sha256": sha, "training_opt_in": True, "created_at": now}))
    await store_events(svc, *rows, consented_at=consented_at)
    return UploadResponse(**summary.model_dump(), upload_id=upload_id, stored_for_training=keep)
