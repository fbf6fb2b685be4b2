"""Service settings, read from the environment and `.env` (pydantic-settings)."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      protected_namespaces=())

    SUPABASE_URL: str | None = Field(None, description="Supabase project URL (production log).")
    SUPABASE_SERVICE_KEY: SecretStr | None = Field(None, description="Service-role key; never logged.")
    DATABASE_URL: SecretStr | None = Field(None, description="Postgres connection string (e.g. "
                                           "Supabase's direct connection) for the remote log.")
    EVENT_BACKEND: Literal["auto", "sqlite", "postgres", "supabase"] = Field(
        "auto", description="Remote event log: auto = postgres with DATABASE_URL, else supabase "
        "with SUPABASE_URL and SUPABASE_SERVICE_KEY, else sqlite only.")
    SUPABASE_JWT_SECRET: SecretStr | None = Field(None, description="Project JWT secret: verify "
                                                  "users' HS256 access tokens.")
    SUPABASE_JWKS_URL: str | None = Field(None, description="Project JWKS "
                                          "(<SUPABASE_URL>/auth/v1/.well-known/jwks.json): verify "
                                          "users' ES256/RS256 access tokens.")
    SUPABASE_JWT_ISSUER: str | None = Field(None, description="Expected `iss`; default "
                                            "<SUPABASE_URL>/auth/v1.")
    CORS_ORIGINS: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:3000", "http://localhost:5173"],
        description="Comma-separated origins the browser DAW is served from, or *.")
    MODEL_DIR: Path = Field(Path("models"), description="Holds checkpoints/<role>/<semver>/.")
    LEGAL_GENERATION_LIMIT: int = Field(64, ge=0, description="Generations per user per UTC day.")
    PENDING_TIMEOUT_S: float = Field(60.0, gt=0, description="A generation's reservation older "
                                     "than this (its process died) no longer counts against the "
                                     "daily limit and is deleted; keep it above the generation "
                                     "deadline.")
    DATA_DIR: Path = Field(Path("data"), description="Embedded event store (SQLite) lives here.")
    MAX_CONCURRENT_GENERATIONS: int = Field(2, ge=1, description="Inference threads.")
    MAX_QUEUED_GENERATIONS: int = Field(16, ge=0, description="Waiting requests before 503.")
    MAX_QUEUE_WAIT_S: float = Field(1.0, gt=0, le=60, description="A request that cannot start "
                                    "within this gets 503 with Retry-After.")
    GENERATION_TIMEOUT_S: float = Field(10.0, gt=0, le=600, description="Deadline of one "
                                        "generation; past it the request gets 503 and its "
                                        "thread is freed.")
    MAX_CONCURRENT_PARSES: int = Field(1, ge=1, description="Threads parsing uploaded MIDI.")
    MAX_QUEUED_PARSES: int = Field(8, ge=0, description="Uploads waiting to be parsed before "
                                   "503.")
    PARSE_TIMEOUT_S: float = Field(5.0, gt=0, le=600, description="Deadline of parsing one "
                                   "uploaded MIDI file.")
    MAX_BODY_BYTES: int = Field(1_000_000, ge=1024, description="Larger request bodies get 413.")
    HEADER_TIMEOUT_S: float = Field(10.0, gt=0, le=600, description="A connection whose request "
                                    "headers take longer is closed (with the protocol of "
                                    "app.core.http, which scripts/run.sh uses).")
    BODY_TIMEOUT_S: float = Field(15.0, gt=0, le=600, description="A request body that takes "
                                  "longer to arrive gets 408.")
    MAX_UPLOAD_BYTES: int = Field(512_000, ge=1024, description="Largest MIDI file accepted.")
    OUTBOX_MAX_ATTEMPTS: int = Field(20, ge=1, description="Deliveries tried before an event is "
                                     "dead-lettered.")
    OUTBOX_BACKOFF_BASE_S: float = Field(1.0, gt=0, description="First retry delay (doubles).")
    OUTBOX_BACKOFF_CAP_S: float = Field(900.0, gt=0, description="Longest retry delay.")
    OUTBOX_BATCH: int = Field(200, ge=1, le=1000, description="Events per delivery request.")
    OUTBOX_POLL_S: float = Field(2.0, gt=0, description="Idle wait of the delivery worker.")

    @property
    def remote_backend(self) -> str:
        """sqlite (no remote), postgres or supabase."""
        if self.EVENT_BACKEND != "auto":
            return self.EVENT_BACKEND
        if self.DATABASE_URL:
            return "postgres"
        return "supabase" if self.SUPABASE_URL and self.SUPABASE_SERVICE_KEY else "sqlite"

    @property
    def jwt_issuer(self) -> str | None:
        if self.SUPABASE_JWT_ISSUER:
            return self.SUPABASE_JWT_ISSUER
        return f"{self.SUPABASE_URL.rstrip('/')}/auth/v1" if self.SUPABASE_URL else None

    @model_validator(mode="after")
    def _reservations_outlive_generations(self) -> "Settings":
        # a reservation settled as stale while its generation still runs would let the user
        # past the daily limit
        if self.PENDING_TIMEOUT_S <= self.GENERATION_TIMEOUT_S + self.MAX_QUEUE_WAIT_S:
            raise ValueError(f"PENDING_TIMEOUT_S ({self.PENDING_TIMEOUT_S}) must be longer than "
                             f"GENERATION_TIMEOUT_S + MAX_QUEUE_WAIT_S "
                             f"({self.GENERATION_TIMEOUT_S + self.MAX_QUEUE_WAIT_S})")
        return self

    @field_validator("CORS_ORIGINS", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
