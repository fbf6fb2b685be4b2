"""POST /generate/{role}."""

from fastapi import APIRouter, Response

from app.api.deps import ModelsDep, RunnerDep, SettingsDep, StoreDep
from app.schemas.arrangement import ArrangementRequest
from app.schemas.common import GenerationResponse
from app.schemas.drums import DrumsRequest
from app.schemas.harmony import BasslineRequest, ChordsRequest, MelodyRequest
from app.services import generation
from app.services.arrangement import build_arrangement
from app.services.drums import build_drums
from app.services.harmony import build_chords, build_line

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


@router.post("/chords", response_model=GenerationResponse, responses=ERRORS)
async def generate_chords(req: ChordsRequest, store: StoreDep, models: ModelsDep, runner: RunnerDep,
                          settings: SettingsDep) -> Response:
    """A chord progression in a key and mode: harmonic rhythm, complexity, locked chords kept
    exactly; the symbols with their beats, the voiced notes and the MIDI."""
    return await generation.generate("chords", req, store, models, runner, settings,
                                     lambda model, seed: build_chords(req, models, seed))


@router.post("/bassline", response_model=GenerationResponse, responses=ERRORS)
async def generate_bassline(req: BasslineRequest, store: StoreDep, models: ModelsDep,
                            runner: RunnerDep, settings: SettingsDep) -> Response:
    """A bassline on the given chords (or a progression made for it), in the key, in a genre-true
    rhythm, optionally locked to a drum part's kicks."""
    return await generation.generate(
        "bassline", req, store, models, runner, settings,
        lambda model, seed: build_line("bassline", req, models, store, seed))


@router.post("/melody", response_model=GenerationResponse, responses=ERRORS)
async def generate_melody(req: MelodyRequest, store: StoreDep, models: ModelsDep,
                          runner: RunnerDep, settings: SettingsDep) -> Response:
    """A melody over the key and chords: motifs that repeat and vary across 2- and 4-bar units."""
    return await generation.generate(
        "melody", req, store, models, runner, settings,
        lambda model, seed: build_line("melody", req, models, store, seed))


@router.post("/arrangement", response_model=GenerationResponse, responses=ERRORS)
async def generate_arrangement(req: ArrangementRequest, store: StoreDep, models: ModelsDep,
                               runner: RunnerDep, settings: SettingsDep) -> Response:
    """A song skeleton: sections with energies, and drums, bass, chords and a lead that fit
    together; one MIDI file with a track per part and a marker per section."""
    return await generation.generate("arrangement", req, store, models, runner, settings,
                                     lambda model, seed: build_arrangement(req, model, seed))
