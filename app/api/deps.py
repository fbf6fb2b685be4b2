"""Dependencies as Annotated aliases; the objects live on app.state, made once by the lifespan.

They are async so FastAPI resolves them on the event loop instead of a thread hop each."""

from typing import Annotated

from fastapi import Depends, Request

from app.core.config import Settings
from app.services.events import EventStore
from app.services.models import ModelBank
from app.services.runner import InferenceRunner


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _store(request: Request) -> EventStore:
    return request.app.state.store


async def _models(request: Request) -> ModelBank:
    return request.app.state.models


async def _runner(request: Request) -> InferenceRunner:
    return request.app.state.runner


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[EventStore, Depends(_store)]
ModelsDep = Annotated[ModelBank, Depends(_models)]
RunnerDep = Annotated[InferenceRunner, Depends(_runner)]
