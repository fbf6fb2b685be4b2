"""POST /generate/{role}."""

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, ConfigDict

from app.api.deps import ModelsDep, RunnerDep, SettingsDep, StoreDep
from app.schemas.common import Consent, GenerationResponse
from app.schemas.drums import DrumsRequest
from app.services import generation
from app.services.drums import build_drums

router = APIRouter(prefix="/generate", tags=["generate"])

ERRORS = {403: {"description": "Consent refused"}, 422: {"description": "Malformed input"},
          429: {"description": "Daily generation limit reached (see Retry-After)"},
          503: {"description": "Model unavailable or overloaded"}}


@router.post("/drums", response_model=GenerationResponse, responses=ERRORS)
async def generate_drums(req: DrumsRequest, store: StoreDep, models: ModelsDep, runner: RunnerDep,
                         settings: SettingsDep) -> Response:
    """A drum groove in a genre: tempo, metre and exact bars, drums on channel 10, with fills,
    swing and human feel."""
    return await generation.generate("drums", req, store, models, runner, settings,
                                     lambda model, seed: build_drums(req, model, seed))


class PendingRoleRequest(BaseModel):
    """Roles whose engine has not landed check consent only, then answer 503."""
    model_config = ConfigDict(extra="allow")
    consent: Consent


def _not_yet(role: str):
    async def endpoint(req: PendingRoleRequest) -> Response:
        generation.check_consent(req)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            f"the {role} engine is not available in this version; nothing was "
                            "generated or stored")
    endpoint.__name__ = f"generate_{role}"
    endpoint.__doc__ = f"{role.capitalize()} generation (not yet available: answers 503)."
    return endpoint


for _role in ("bassline", "melody", "chords", "arrangement"):
    router.post(f"/{_role}", response_model=GenerationResponse, responses=ERRORS)(_not_yet(_role))
