"""Public service state: GET /health, /models, /genres."""

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from app.api.deps import ModelsDep, RunnerDep, StoreDep
from app.schemas.state import GenresResponse, GenreState, HealthResponse, ModelsResponse
from beatengine.genres import GENRES

router = APIRouter(tags=["state"])


@router.get("/health")
async def health(models: ModelsDep, store: StoreDep, runner: RunnerDep) -> HealthResponse:
    """Status, the loaded model version per role, the event store and its backlog."""
    versions = models.versions()
    return HealthResponse(status="ok" if any(versions.values()) else "degraded", models=versions,
                          event_store=await run_in_threadpool(store.describe),
                          generations_in_flight=runner.in_flight)


@router.get("/models")
async def list_models(models: ModelsDep) -> ModelsResponse:
    """Every checkpoint in the registry per role, which one is loaded, and its manifest."""
    return ModelsResponse(roles=await run_in_threadpool(models.describe))


@router.get("/genres")
async def genres() -> GenresResponse:
    """The genre list, and whether each is learned from data, from style rules, or both."""
    return GenresResponse(genres=[GenreState(
        name=g.name, label=g.label, source=g.source, learned_from_data="data" in g.source,
        style_rules="rules" in g.source, default_bpm=g.default_bpm) for g in GENRES])
