"""Service settings, read from the environment and `.env` (pydantic-settings)."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      protected_namespaces=())

    SUPABASE_URL: str | None = Field(None, description="Supabase project URL (production log).")
    SUPABASE_SERVICE_KEY: SecretStr | None = Field(None, description="Service-role key; never logged.")
    CORS_ORIGINS: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:3000", "http://localhost:5173"],
        description="Comma-separated origins the browser DAW is served from, or *.")
    MODEL_DIR: Path = Field(Path("models"), description="Holds checkpoints/<role>/<semver>/.")
    LEGAL_GENERATION_LIMIT: int = Field(64, ge=0, description="Generations per user per UTC day.")
    DATA_DIR: Path = Field(Path("data"), description="Embedded event store (SQLite) lives here.")
    MAX_CONCURRENT_GENERATIONS: int = Field(2, ge=1, description="Inference threads.")
    MAX_QUEUED_GENERATIONS: int = Field(16, ge=0, description="Waiting requests before 503.")
    MAX_BODY_BYTES: int = Field(1_000_000, ge=1024, description="Larger request bodies get 413.")

    @field_validator("CORS_ORIGINS", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
