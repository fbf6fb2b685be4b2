"""The FastAPI app: `uvicorn app.main:app`."""

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from app.api.routes import generate, state
from app.core.config import Settings, get_settings
from app.services.events import SQLiteEventStore
from app.services.models import ModelBank
from app.services.runner import InferenceRunner

log = logging.getLogger("app")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s "
                            "%(message)s")
        app.state.settings = settings
        app.state.store = SQLiteEventStore(settings.DATA_DIR / "events.sqlite3")
        app.state.models = ModelBank(settings.MODEL_DIR)
        app.state.models.load_all()
        app.state.runner = InferenceRunner(settings.MAX_CONCURRENT_GENERATIONS,
                                           settings.MAX_QUEUED_GENERATIONS)
        log.info("serving models %s; event store %s", app.state.models.versions(),
                 app.state.store.describe()["backend"])
        try:
            yield
        finally:
            app.state.runner.shutdown()
            app.state.store.close()

    app = FastAPI(title="Beat Addicts Local AI Engine", version="0.1.0", lifespan=lifespan,
                  description="Generates MIDI parts for the Beat Addicts DAW. Contract: "
                  "shared/docs/api-contract.md.")
    app.add_middleware(CORSMiddleware, allow_origins=settings.CORS_ORIGINS,
                       allow_methods=["*"], allow_headers=["*"])

    @app.middleware("http")
    async def limit_body_size(request: Request, call_next):
        """413 before reading a body larger than MAX_BODY_BYTES (judged by Content-Length)."""
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > settings.MAX_BODY_BYTES:
            return JSONResponse({"detail": f"request body of {length} bytes is larger than the "
                                 f"{settings.MAX_BODY_BYTES} bytes this service accepts"},
                                status_code=413)
        return await call_next(request)
    app.include_router(generate.router)
    app.include_router(state.router)
    return app


app = create_app()
