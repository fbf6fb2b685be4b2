"""The /generate/arrangement request."""

from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from app.schemas.common import ChordItem, RequestModel
from app.schemas.harmony import HarmonyRequest, check_symbols
from beatengine.arrangement import PARTS

MAX_SONG_BARS = 64


class SectionIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=32, pattern=r"^[A-Za-z0-9 _-]+$",
                      description="Section name; sections with the same name share their chords.",
                      examples=["chorus"])
    bars: int = Field(..., ge=1, le=MAX_SONG_BARS, description="Length in bars.", examples=[8])
    energy: float = Field(0.6, ge=0, le=1, description="0 sparse (parts drop out) to 1 full.",
                          examples=[0.9])
    chords: list[str | ChordItem] | None = Field(
        None, min_length=1, max_length=64, description="This section's own progression (a "
        'symbol is one bar, {"symbol", "beats"} its beats), looped to its length; every part '
        "follows it. Default: the song's `chords`, else the chord model writes one per section "
        "name.", examples=[["Am", "F", "C", "G"]])

    @field_validator("chords")
    @classmethod
    def _known_chords(cls, value: list | None) -> list | None:
        return check_symbols(value)


class ArrangementRequest(HarmonyRequest):
    bars: int = Field(32, ge=1, le=MAX_SONG_BARS, description="Song length when `sections` is not "
                      "given: the genre's form (e.g. house intro, build, drop, breakdown, drop, "
                      "outro) is fitted to it.", examples=[32])
    sections: list[SectionIn] | None = Field(
        None, min_length=1, max_length=32, description="The form, in order; default: the genre's.",
        examples=[[{"name": "intro", "bars": 4, "energy": 0.3},
                   {"name": "chorus", "bars": 8, "energy": 0.9}]])
    tracks: list[Literal[PARTS]] = Field(  # type: ignore[valid-type]
        list(PARTS), min_length=1, max_length=4, description="Which parts to write.",
        examples=[["drums", "bass", "chords", "melody"]])
    chords: list[str | ChordItem] | None = Field(
        None, max_length=256, description="The song's progression from bar 1 (a symbol is one "
        'bar, {"symbol", "beats"} its beats), run on through every section as one loop; every '
        "part follows it, and the key is inferred from it when `key` is not given. Default: the "
        "chord model writes one progression per section name.", examples=[["Am", "F", "C", "G"]])
    variations: int = Field(1, ge=1, le=4, description="Independent arrangements in one call.",
                            examples=[2])

    @model_validator(mode="after")
    def _length(self) -> "ArrangementRequest":
        if len(set(self.tracks)) != len(self.tracks):
            raise ValueError(f"tracks lists a part twice: {self.tracks}")
        if self.sections and sum(s.bars for s in self.sections) > MAX_SONG_BARS:
            raise ValueError(f"sections add up to {sum(s.bars for s in self.sections)} bars; at "
                             f"most {MAX_SONG_BARS}")
        return self
