"""The FastAPI app: `uvicorn app.main:app`."""

import logging
import math
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.api.errors import error_response
from app.api.routes import events, generate, state, training
from app.core.auth import verifier_from_settings
from app.core.config import Settings, get_settings
from app.core.http import BodyGuard
from app.services.context import Services
from app.services.models import ModelBank
from app.services.remote_log import open_remote, outbox_policy
from app.services.runner import InferenceRunner
from eventlog.outbox import OutboxWorker
from eventlog.remote import Remote
from eventlog.store import EventStore

log = logging.getLogger("app")


def _json_safe(value: Any) -> Any:
    """Non-finite numbers (NaN, Infinity, 1e999 parse as floats) and lone surrogates cannot be
    written as JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):  # a lone surrogate ("\ud800") cannot be written as UTF-8
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


# The error handlers: every error body is `ErrorOut`, {"detail": ..., "code": ...}.

async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 body (which field, why, what was sent), safe for any input."""
    assert isinstance(exc, RequestValidationError)
    return error_response(422, _json_safe(jsonable_encoder(exc.errors())))


async def http_error(request: Request, exc: Exception) -> Response:
    """Raised HTTPExceptions (ours, FastAPI's 400 for a body it cannot parse, Starlette's 404 and
    405): the detail as raised, the code the raiser named (ApiError) or the status's default."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (204, 304) or exc.status_code < 200:  # these may carry no body
        return Response(status_code=exc.status_code, headers=exc.headers)
    return error_response(exc.status_code, _json_safe(jsonable_encoder(exc.detail)),
                          getattr(exc, "code", None), headers=exc.headers)


async def internal_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug: the same body shape, never the exception's text (it can hold request content).
    Starlette re-raises the exception after this answer, so the server still logs it."""
    return error_response(500, "internal error")


def create_app(settings: Settings | None = None,
               open_remote_log: Callable[[Settings], Awaitable[Remote | None]] = open_remote
               ) -> FastAPI:
    """The app; `open_remote_log` opens the remote event log (tests pass one with a fake transport)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s "
                            "%(message)s")
        app.state.verifier = verifier_from_settings(settings)
        if app.state.verifier is None:
            log.warning("LOCAL MODE: no SUPABASE_JWT_SECRET or SUPABASE_JWKS_URL is set, so "
                        "requests are not authenticated and consent.user_id is taken as sent; "
                        "serve on 127.0.0.1 only (the default of scripts/run.sh)")
        remote = await open_remote_log(settings)
        store = EventStore(settings.DATA_DIR / "events.sqlite3", outbox=remote is not None,
                           pending_timeout_s=settings.PENDING_TIMEOUT_S)
        models = ModelBank(settings.MODEL_DIR)
        models.load_all()
        svc = Services(settings, store, models, runner=InferenceRunner(
            settings.MAX_CONCURRENT_GENERATIONS, settings.MAX_QUEUED_GENERATIONS,
            settings.MAX_QUEUE_WAIT_S, settings.GENERATION_TIMEOUT_S),
            parser=InferenceRunner(settings.MAX_CONCURRENT_PARSES, settings.MAX_QUEUED_PARSES,
                                   settings.MAX_QUEUE_WAIT_S, settings.PARSE_TIMEOUT_S,
                                   name="parse"))
        if remote is not None:
            svc.outbox = OutboxWorker(store, remote, outbox_policy(settings))
            svc.outbox.start()
        app.state.services = svc
        log.info("serving models %s; event log: local %s, remote %s", models.versions(),
                 store.path, remote.name if remote else "none")
        try:
            yield
        finally:
            if svc.outbox is not None:
                await svc.outbox.stop()
                await svc.outbox.remote.close()
            svc.runner.shutdown()
            svc.parser.shutdown()
            store.close()

    app = FastAPI(title="Beat Addicts Local AI Engine", version="0.1.0", lifespan=lifespan,
                  description="Generates MIDI parts for the Beat Addicts DAW. Contract: "
                  "shared/docs/api-contract.md.")
    app.add_middleware(CORSMiddleware, allow_origins=settings.CORS_ORIGINS,
                       allow_methods=["*"], allow_headers=["*"])
    app.add_middleware(BodyGuard, max_bytes=settings.MAX_BODY_BYTES,
                       timeout_s=settings.BODY_TIMEOUT_S)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, internal_error)
    app.include_router(generate.router)
    app.include_router(events.router)
    app.include_router(training.router)
    app.include_router(state.router)
    return app


app = create_app()
