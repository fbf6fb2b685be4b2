"""The /generate/drums request."""

from typing import Annotated, Literal

from pydantic import Field, StrictInt, field_validator

from app.schemas.common import GenerateRequest
from beatengine.roles.drums.vocab import PIECE_NAMES


class DrumsRequest(GenerateRequest):
    density: float = Field(0.5, ge=0, le=1, description="How busy the groove is, relative to the "
                           "genre (0 sparse, 0.5 typical, 1 busy).", examples=[0.6])
    swing: float = Field(0.0, ge=0, le=1, description="Delay of the off-beats of `swing_grid` "
                         "(0 straight, 0.66 triplet feel, 1 hard swing), on top of the learned feel.",
                         examples=[0.2])
    swing_grid: Literal[8, 16] | None = Field(
        None, description="Which notes `swing` moves: 8 = the off-beat 8ths (the 16ths around "
        "them keep their place in proportion), 16 = every second 16th. Omitted: the genre's grid, "
        "8 for jazz, boom_bap and lofi, 16 otherwise.", examples=[8])
    variety: float | None = Field(
        None, ge=0, le=1, description="How much the repeats of the loop change (not the number "
        "of takes: that is `variations`). The part is a 1- or 2-bar loop; 0 repeats it exactly "
        "(fills aside), higher values re-play more of the hats, beats and phrase ends, 1 plays "
        "every bar afresh. Omitted: the genre's default, calibrated on real drummers for the "
        "genres learned from them and low for programmed genres.", examples=[0.2])
    humanize: float = Field(0.5, ge=0, le=1, description="Microtiming and velocity feel: 0 on "
                            "the grid, 0.5 as the model plays it, 1 twice as loose.",
                            examples=[0.5])
    fills: int = Field(8, ge=0, le=64, description="A fill in the last bar of every `fills` bars "
                       "(0 = no fills); e.g. 4 or 8.", examples=[4])
    drum_map: dict[str, Annotated[StrictInt, Field(ge=0, le=127)]] = Field(
        default_factory=dict, description="General MIDI note per kit piece, overriding the "
        f"defaults. Pieces: {', '.join(PIECE_NAMES)}.", examples=[{"snare": 40, "kick": 35}],
        json_schema_extra={"propertyNames": {"enum": list(PIECE_NAMES)}})
    exclude: list[str] = Field(default_factory=list, max_length=len(PIECE_NAMES),
                               description="Kit pieces never to play.", examples=[["crash"]],
                               json_schema_extra={"items": {"enum": list(PIECE_NAMES)}})

    @field_validator("drum_map")
    @classmethod
    def _valid_map(cls, value: dict[str, int]) -> dict[str, int]:
        for piece, note in value.items():
            if piece not in PIECE_NAMES:
                raise ValueError(f"unknown kit piece {piece!r}; pieces: {', '.join(PIECE_NAMES)}")
            if not 0 <= note <= 127:
                raise ValueError(f"note {note} for {piece!r} is outside 0-127")
        return value

    @field_validator("exclude")
    @classmethod
    def _valid_pieces(cls, value: list[str]) -> list[str]:
        unknown = [p for p in value if p not in PIECE_NAMES]
        if unknown:
            raise ValueError(f"unknown kit pieces {unknown}; pieces: {', '.join(PIECE_NAMES)}")
        return value
