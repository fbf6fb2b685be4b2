"""The request path every /generate endpoint shares: consent, daily limit, inference off the event
loop, the event log, and the response envelope. No HTTP here: refusals are domain errors
(`app.services.errors`), mapped to statuses in `app.api.errors`."""

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.schemas.common import GenerateRequest
from app.services.context import Services, refuse_without_consent
from app.services.errors import LimitReached, ModelUnavailable
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


async def generate(role: str, request: GenerateRequest, svc: Services, subject: str | None,
                   build: Callable[[Any, int], Built]) -> bytes:
    """Consent, capacity, daily-limit reservation, generation off the loop, event log; returns the
    JSON body of `GenerationResponse`. `build(model, seed)` makes the variations."""
    started = time.perf_counter()
    store, models, runner, settings = svc.store, svc.models, svc.runner, svc.settings
    refuse_without_consent(request.consent, subject)
    model = models.get(role)
    if model is None:
        raise ModelUnavailable(f"no {role} model is loaded; train one with "
                               "`python -m training.run_training` or check MODEL_DIR")
    runner.check_capacity()  # refuse at once, before anything else
    seed = request.seed if request.seed is not None else random.SystemRandom().randrange(2**31)
    user = request.consent.user_id
    # The request as sent can hold the user's own notes (a drum part, a progression): it is kept,
    # to make the generation again as training material, only when the user opted in.
    kept_request = (request.model_dump(mode="json", exclude={"consent"})
                    if request.consent.training_opt_in else None)

    def work() -> bytes:
        """The whole generation on the inference thread, once it starts: a request refused by
        the queue never touched the store, every further thread wanting the GIL would delay the
        event loop's answers (and its 503s) under load, and a client that hangs up cannot leave
        a reservation behind."""
        now = datetime.now(UTC)
        gid = store.reserve_generation(user, role, settings.LEGAL_GENERATION_LIMIT, now,
                                       request.consent.terms_version,
                                       request.consent.training_opt_in)
        if gid is None:
            retry = seconds_to_utc_midnight(now)
            raise LimitReached(f"daily generation limit reached: "
                               f"{settings.LEGAL_GENERATION_LIMIT} generations per user per UTC "
                               f"day; try again in {retry} s", retry)
        try:
            built = build(model, seed)
        except BaseException:  # refused, stopped or failed: the reservation does not count
            store.release_generation(gid)
            raise
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        store.complete_generation(GenerationRecord(
            id=gid, user_id=user, role=role, request=kept_request, params=built.params,
            seed=seed, model_name=role, model_version=model.version,
            consent=request.consent.model_dump(), latency_ms=latency_ms))
        body = {"generation_id": gid, "role": role,
                "model": {"name": role, "version": model.version}, "seed": seed,
                "params": built.params, "variations": built.variations, "latency_ms": latency_ms}
        return json.dumps(body).encode()

    body = await runner.run(work)
    svc.committed()
    return body
