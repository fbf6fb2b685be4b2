"""Responses of GET /health, /models and /genres."""

from pydantic import Field

from app.schemas.common import ApiModel


class EventStoreState(ApiModel):
    backend: str = Field(..., description='Where events end up: "sqlite" (embedded only), '
                         '"postgres" or "supabase" (delivered from the local outbox).',
                         examples=["sqlite"])
    path: str | None = Field(None, description="Where the embedded store lives.",
                             examples=["data/events.sqlite3"])
    generations: int = Field(..., ge=0, description="Generations recorded.", examples=[12])
    backlog: int = Field(..., ge=0, description="Events not yet delivered to the remote log.",
                         examples=[0])
    dead_letters: int = Field(0, ge=0, description="Events that failed delivery too often; kept "
                              "locally, requeued with `python -m eventlog.requeue`.", examples=[0])
    delivered: int = Field(0, ge=0, description="Events delivered to the remote log from this "
                           "store (by any worker process; kept across restarts).", examples=[40])
    failures: int = Field(0, ge=0, description="Failed delivery attempts of this store.",
                          examples=[0])
    last_error: str | None = Field(None, description="What kind of failure the last failed "
                                   "delivery was (never its message).",
                                   examples=["unavailable (OperationalError) delivering to "
                                             "feedback"])


class HealthResponse(ApiModel):
    status: str = Field(..., description='"ok", or "degraded" when no model is loaded.',
                        examples=["ok"])
    models: dict[str, str | None] = Field(..., description="Loaded version per role (null: none).",
                                          examples=[{"drums": "1.0.0"}])
    event_store: EventStoreState
    generations_in_flight: int = Field(..., ge=0, description="Generations running or queued.",
                                       examples=[0])


class CheckpointState(ApiModel):
    version: str = Field(..., description="Semantic version.", examples=["1.0.0"])
    valid: bool = Field(..., description="Manifest present and every file matches its sha256.")
    error: str | None = Field(None, description="Why the checkpoint is invalid.")
    loaded: bool = Field(..., description="This is the version the service runs.")
    promoted: bool = Field(False, description="Passed the evaluation's promotion gate; the "
                           "service runs the newest promoted version.")
    manifest: dict | None = Field(None, description="Version, model config, file hashes, "
                                  "training data summary, metrics, evaluation summary, created_at.")


class ModelsResponse(ApiModel):
    roles: dict[str, list[CheckpointState]] = Field(..., description="Checkpoints per role, "
                                                    "newest first.")


class GenreState(ApiModel):
    name: str = Field(..., description="Value for the `genre` field.", examples=["trap"])
    label: str = Field(..., examples=["Trap"])
    source: str = Field(..., description='"data", "rules" or "data+rules".', examples=["rules"])
    learned_from_data: bool = Field(..., description="Learned from recorded performances.")
    style_rules: bool = Field(..., description="Learned from the project's own style rules.")
    default_bpm: int = Field(..., ge=40, le=240, description="Tempo used when `bpm` is omitted.",
                             examples=[140])


class GenresResponse(ApiModel):
    genres: list[GenreState]
