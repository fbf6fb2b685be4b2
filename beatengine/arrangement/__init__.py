"""Whole songs from the role engines: forms in phrases (`forms`), what energy does to the parts
(`energy`), returning sections as copies (`replay`), and the arranger that writes every section's
parts (`arranger`)."""

from beatengine.arrangement.arranger import (
    Arrangement,
    ArrangementParams,
    Arranger,
    PlacedSection,
    loop,
    looped_notes,
)
from beatengine.arrangement.energy import PARTS
from beatengine.arrangement.forms import PHRASE_BARS, Section, form_for

__all__ = ["PARTS", "PHRASE_BARS", "Arrangement", "ArrangementParams", "Arranger", "PlacedSection",
           "Section", "form_for", "loop", "looped_notes"]
