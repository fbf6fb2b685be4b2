"""POST /generate/{role}."""

from fastapi import APIRouter, Response

from app.api.deps import ServicesDep
from app.api.errors import CONSENT_ROUTE_ERRORS, error_responses
from app.core.auth import SubjectDep
from app.schemas.arrangement import ArrangementRequest
from app.schemas.common import GenerateRequest, GenerationResponse
from app.schemas.drums import DrumsRequest
from app.schemas.harmony import BasslineRequest, ChordsRequest, MelodyRequest
from app.services import generation
from app.services.context import Services
from app.services.roles import ROLES

router = APIRouter(prefix="/generate", tags=["generate"])

ERRORS = error_responses(*CONSENT_ROUTE_ERRORS, 429, described={
    403: "Consent refused (terms not accepted), or consent.user_id is not the signed-in user",
    422: "Malformed input, or a request the model cannot play (which field and why)",
    503: "Overloaded (see Retry-After), no model loaded for the role, or the signing keys cannot "
         "be fetched"})


async def _generate(role: str, req: GenerateRequest, svc: Services, subject: str | None
                    ) -> Response:
    build = ROLES[role][1]
    return await generation.generate(role, req, svc, subject, lambda model, seed: build(
        req, model, svc.models, svc.store, seed))


@router.post("/drums", response_model=GenerationResponse, responses=ERRORS)
async def generate_drums(req: DrumsRequest, svc: ServicesDep, subject: SubjectDep) -> Response:
    """A drum groove in a genre: tempo, metre and exact bars, drums on channel 10, with fills,
    swing and human feel."""
    return await _generate("drums", req, svc, subject)


@router.post("/chords", response_model=GenerationResponse, responses=ERRORS)
async def generate_chords(req: ChordsRequest, svc: ServicesDep, subject: SubjectDep) -> Response:
    """A chord progression in a key and mode: harmonic rhythm, complexity, locked chords kept
    exactly; the symbols with their beats, the voiced notes and the MIDI."""
    return await _generate("chords", req, svc, subject)


@router.post("/bassline", response_model=GenerationResponse, responses=ERRORS)
async def generate_bassline(req: BasslineRequest, svc: ServicesDep, subject: SubjectDep
                            ) -> Response:
    """A bassline on the given chords (or a progression made for it), in the key, in a genre-true
    rhythm, optionally locked to a drum part's kicks."""
    return await _generate("bassline", req, svc, subject)


@router.post("/melody", response_model=GenerationResponse, responses=ERRORS)
async def generate_melody(req: MelodyRequest, svc: ServicesDep, subject: SubjectDep) -> Response:
    """A melody over the key and chords: motifs that repeat and vary across 2- and 4-bar units."""
    return await _generate("melody", req, svc, subject)


@router.post("/arrangement", response_model=GenerationResponse, responses=ERRORS)
async def generate_arrangement(req: ArrangementRequest, svc: ServicesDep, subject: SubjectDep
                               ) -> Response:
    """A song skeleton: sections with energies, and drums, bass, chords and a lead that fit
    together; one MIDI file with a track per part and a marker per section."""
    return await _generate("arrangement", req, svc, subject)
