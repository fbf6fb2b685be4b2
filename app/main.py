"""The FastAPI app: `uvicorn app.main:app`."""

import logging
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.api.errors import install_error_handlers
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
            settings.MAX_QUEUE_WAIT_S, settings.GENERATION_TIMEOUT_S,
            timeout_advice="ask for fewer bars or variations, or try again"),
            parser=InferenceRunner(settings.MAX_CONCURRENT_PARSES, settings.MAX_QUEUED_PARSES,
                                   settings.MAX_QUEUE_WAIT_S, settings.PARSE_TIMEOUT_S,
                                   name="parse", timeout_advice="the server is busy, try again"))
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
    install_error_handlers(app)
    app.include_router(generate.router)
    app.include_router(events.router)
    app.include_router(training.router)
    app.include_router(state.router)
    return app


app = create_app()
