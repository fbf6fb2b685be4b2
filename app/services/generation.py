"""The request path every /generate endpoint shares: consent, daily limit, inference off the event
loop, the event log, and the response envelope."""

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import HTTPException, Response, status
from starlette.concurrency import run_in_threadpool

from app.api.errors import ApiError
from app.schemas.common import GenerateRequest
from app.services.context import Services, refuse_without_consent
from app.services.runner import Overloaded
from beatengine.budget import DeadlineExceeded
from beatengine.errors import UnsupportedRequest
from eventlog.store import GenerationRecord


@dataclass
class Built:
    """What a role's builder returns: the resolved params and the variations, as plain JSON data
    in the shape of `VariationOut` (the builders make it; nothing from a client goes in unchecked)."""
    params: dict
    variations: list[dict]


def seconds_to_utc_midnight(now: datetime) -> int:
    tomorrow = (now.astimezone(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                                   microsecond=0)
    return max(1, int((tomorrow - now).total_seconds()) + 1)


def overloaded_error(exc: Overloaded) -> HTTPException:
    return ApiError(status.HTTP_503_SERVICE_UNAVAILABLE, f"overloaded: {exc}", code="overloaded",
                    headers={"Retry-After": "1"})


def timeout_error(limit_s: float | None) -> HTTPException:
    return ApiError(status.HTTP_503_SERVICE_UNAVAILABLE,
                    f"the request ran past its {limit_s} s deadline and was stopped; ask for fewer "
                    "bars or variations, or try again", code="timeout", headers={"Retry-After": "1"})


async def generate(role: str, request: GenerateRequest, svc: Services, subject: str | None,
                   build: Callable[[Any, int], Built]) -> Response:
    """Consent, capacity, daily-limit reservation, generation off the loop, event log, and the
    JSON body of `GenerationResponse`. `build(model, seed)` makes the variations."""
    started = time.perf_counter()
    store, models, runner, settings = svc.store, svc.models, svc.runner, svc.settings
    refuse_without_consent(request.consent, subject)
    model = models.get(role)
    if model is None:
        raise ApiError(status.HTTP_503_SERVICE_UNAVAILABLE, f"no {role} model is loaded; train "
                       "one with `python -m training.run_training` or check MODEL_DIR",
                       code="model_unavailable")
    try:
        runner.check_capacity()  # refuse at once, before touching the event store
    except Overloaded as exc:
        raise overloaded_error(exc) from exc
    seed = request.seed if request.seed is not None else random.SystemRandom().randrange(2**31)
    now = datetime.now(UTC)
    user = request.consent.user_id
    gid = await run_in_threadpool(store.reserve_generation, user, role,
                                  settings.LEGAL_GENERATION_LIMIT, now, request.consent.terms_version,
                                  request.consent.training_opt_in)
    if gid is None:
        retry = seconds_to_utc_midnight(now)
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            f"daily generation limit reached: {settings.LEGAL_GENERATION_LIMIT} "
                            f"generations per user per UTC day; try again in {retry} s",
                            headers={"Retry-After": str(retry)})
    try:
        built = await runner.run(lambda: build(model, seed))
    except Overloaded as exc:
        await run_in_threadpool(store.release_generation, gid)
        raise overloaded_error(exc) from exc
    except UnsupportedRequest as exc:
        await run_in_threadpool(store.release_generation, gid)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    except DeadlineExceeded as exc:
        await run_in_threadpool(store.release_generation, gid)
        raise timeout_error(runner.timeout_s) from exc
    except BaseException:
        await run_in_threadpool(store.release_generation, gid)
        raise
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    # The request as sent can hold the user's own notes (a drum part, a progression): it is kept,
    # to make the generation again as training material, only when the user opted in.
    kept_request = (request.model_dump(mode="json", exclude={"consent"})
                    if request.consent.training_opt_in else None)
    await run_in_threadpool(store.complete_generation, GenerationRecord(
        id=gid, user_id=user, role=role, request=kept_request, params=built.params, seed=seed,
        model_name=role, model_version=model.version, consent=request.consent.model_dump(),
        latency_ms=latency_ms))
    svc.committed()
    body = {"generation_id": gid, "role": role, "model": {"name": role, "version": model.version},
            "seed": seed, "params": built.params, "variations": built.variations,
            "latency_ms": latency_ms}
    # Encode off the event loop: 64 bars x 8 variations is ~10k notes, and a loop busy encoding
    # them could not answer other requests (or refuse them with 503) at once.
    return Response(await run_in_threadpool(json.dumps, body), media_type="application/json")
