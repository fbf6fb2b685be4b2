"""Melodies for the API."""

from app.schemas.harmony import MelodyRequest
from app.services.generation import Built
from app.services.lines import build_line
from app.services.models import ModelBank


def build_melody(req: MelodyRequest, models: ModelBank, seed: int) -> Built:
    return build_line("melody", req, models, seed)
