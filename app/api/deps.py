"""Dependencies as Annotated aliases; the objects live on app.state, made once by the lifespan.

They are async so FastAPI resolves them on the event loop instead of a thread hop each."""

from typing import Annotated

from fastapi import Depends, Request

from app.services.context import Services


async def _services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(_services)]
