"""Public service state: GET /health, /metrics, /models, /genres."""

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from app.api.deps import ServicesDep
from app.schemas.state import GenresResponse, GenreState, HealthResponse, ModelsResponse
from app.services.metrics import event_log_state, render_metrics
from beatengine.genres import GENRES

router = APIRouter(tags=["state"])


@router.get("/health")
async def health(svc: ServicesDep) -> HealthResponse:
    """Status, the loaded model version per role, the event store, its backlog and dead letters."""
    versions = svc.models.versions()
    return HealthResponse(status="ok" if any(versions.values()) else "degraded", models=versions,
                          event_store=await run_in_threadpool(event_log_state, svc),
                          generations_in_flight=svc.runner.in_flight)


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text "
                             "format: outbox backlog, dead letters, deliveries, generations."}})
async def metrics(svc: ServicesDep) -> Response:
    """Prometheus metrics of the event log and the service."""
    body, content_type = await run_in_threadpool(render_metrics, svc)
    return Response(body, media_type=content_type)


@router.get("/models")
async def list_models(svc: ServicesDep) -> ModelsResponse:
    """Every checkpoint in the registry per role, which one is loaded, and its manifest."""
    return ModelsResponse(roles=await run_in_threadpool(svc.models.describe))


@router.get("/genres")
async def genres() -> GenresResponse:
    """The genre list, and whether each is learned from data, from style rules, or both."""
    return GenresResponse(genres=[GenreState(
        name=g.name, label=g.label, source=g.source, learned_from_data="data" in g.source,
        style_rules="rules" in g.source, default_bpm=g.default_bpm) for g in GENRES])
