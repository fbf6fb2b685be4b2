"""The /generate/chords, /generate/bassline and /generate/melody requests."""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from app.schemas.common import ChordItem, GenerateRequest, NoteOut, RequestModel
from beatengine.roles import ROLES
from beatengine.roles.chords.voicing import VOICING_STYLES
from beatengine.theory import parse_chord, parse_key


def check_symbols(items: list | None) -> list | None:
    for item in items or []:
        symbol = item.symbol if isinstance(item, ChordItem) else item
        if symbol is None:
            continue
        parse_chord(symbol)          # its ValueError names the symbol and what is wrong
    return items


class HarmonyRequest(GenerateRequest):
    key: str | None = Field(None, max_length=32, description='Key: tonic and mode, e.g. "A minor", '
                            '"F# major", "D dorian", "G mixolydian". Default: inferred from '
                            "`chords` when given, else the genre's usual (returned in `params`).",
                            examples=["A minor"])

    @field_validator("key")
    @classmethod
    def _known_key(cls, value: str | None) -> str | None:
        if value is not None:
            parse_key(value)   # its ValueError names the problem
        return value

    @field_validator("chords")
    @classmethod
    def _known_chords(cls, value: list | None) -> list | None:
        return check_symbols(value)

    @field_validator("chords", mode="before")
    @classmethod
    def _no_empty_bars(cls, value):
        if isinstance(value, list) and any(item is None for item in value):
            raise ValueError("chords to follow cannot contain empty (null) bars; only "
                             "/generate/chords writes chords into empty bars")
        return value


class ChordsRequest(HarmonyRequest):
    chords: list[str | ChordItem | None] | None = Field(
        None, max_length=256, description="Chords to keep (locked), in order from bar 1: a symbol "
        'is one bar, {"symbol", "beats"} its beats, null a bar for the engine to write; bars '
        "after the list are written by the engine.", examples=[["Am", None, "F", None]])
    chords_per_bar: Literal[1, 2, 3, 4] = Field(1, description="Harmonic rhythm: chords per bar "
                                                "(must divide the bar: 1, 2 or 4 in 4/4; 1 or 3 "
                                                "in 3/4 and 6/8).", examples=[2])
    complexity: float | None = Field(
        None, ge=0, le=1, description="0 triads, 0.5 up to 6ths and 7ths, 1 with 9ths and "
        "extensions. Default: the genre's (trap and drill 0.2, rock and reggae 0.2, pop 0.35, "
        "house 0.75, lo-fi 0.9, jazz 1; `params` returns it).", examples=[0.5])
    loop_bars: Literal[1, 2, 4] | None = Field(
        None, description="The progression is a loop of this many bars, repeated through the "
        "part; song genres (pop, rock, R&B, jazz, funk, latin, reggae) go on to a new line now "
        "and then and may rewrite the last bar of an 8-bar phrase (a cadence). "
        "Default: the genre's (techno 1; drill, house, boom bap, funk, latin, reggae, afrobeat "
        "2; others 4).", examples=[4])
    chromaticism: float | None = Field(
        None, ge=0, le=1, description="Colour: 0 keeps every chord's tones in the key and mode; "
        "higher admits borrowed chords, the genre's first (trap and drill the phrygian bII, "
        "rock bVII, bVI and iv, jazz secondary dominants, lo-fi iv and bVII). Default: 0 for "
        "every genre.", examples=[0.0])
    voicing: Literal[VOICING_STYLES] | None = Field(  # type: ignore[valid-type]
        None, description=f"Voicing style: {', '.join(VOICING_STYLES)}; default: the genre's.",
        examples=["pad"])

    @field_validator("chords", mode="before")
    @classmethod
    def _no_empty_bars(cls, value):  # here a null bar is one for the engine to write
        return value

    @field_validator("chords")
    @classmethod
    def _whole_beats(cls, value: list | None) -> list | None:
        for item in value or []:
            if isinstance(item, ChordItem) and item.beats != int(item.beats):
                raise ValueError(f"locked chord {item.symbol!r} lasts {item.beats} beats; locked "
                                 "chords take whole beats")
        return value

    @field_validator("chords_per_bar", "loop_bars", mode="before")
    @classmethod
    def _json_integer(cls, value: Any, info: ValidationInfo) -> Any:
        # A Literal compares by equality, so 2.0 and true would pass as 2 and 1; strict means a
        # JSON integer, as for every other integer field.
        if value is not None and type(value) is not int:
            raise ValueError(f"{info.field_name} must be a JSON integer")
        return value


class DrumsRef(RequestModel):
    model_config = ConfigDict(extra="forbid")
    generation_id: str = Field(..., max_length=64, description="A /generate/drums generation of "
                               "the same user.", examples=["0b9d3c0e-4a51-4c43-9d6f-0f4f8f1b2a11"])
    variation: int = Field(0, ge=0, le=7, description="Which of its variations.", examples=[0])


def _register(which: str, default: int) -> Any:
    """A register bound; its example is the role's default, so every documented example plays."""
    return Field(None, ge=0, le=127, description=f"{which} MIDI note allowed (default {default}).",
                 examples=[default])


class LineRequest(HarmonyRequest):
    density: float = Field(0.5, ge=0, le=1, description="How busy the line is, relative to the "
                           "genre (0 sparse, 0.5 typical, 1 busy).", examples=[0.5])
    register_low: int | None = Field(None, ge=0, le=127, description="Lowest MIDI note allowed.")
    register_high: int | None = Field(None, ge=0, le=127, description="Highest MIDI note allowed.")
    chromaticism: float = Field(0.0, ge=0, le=1, description="0 keeps every note in the key "
                                "unless the chord holds it; higher allows passing tones on weak "
                                "16ths.", examples=[0.0])
    humanize: float = Field(0.3, ge=0, le=1, description="Velocity variation, and for a "
                            "melody articulation: above 0 its notes are released before the next "
                            "one as a player would (0 keeps the grid's lengths).", examples=[0.3])

    @model_validator(mode="after")
    def _register(self) -> "LineRequest":
        if (self.register_low is not None and self.register_high is not None
                and self.register_high - self.register_low < 12):
            raise ValueError("register_high must be at least an octave (12) above register_low")
        return self


ROLE_REGISTER = {name: ROLES[name].register for name in ("bassline", "melody")}  # E1-G3, C4-C6


class BasslineRequest(LineRequest):
    register_low: int | None = _register("Lowest", ROLE_REGISTER["bassline"][0])
    register_high: int | None = _register("Highest", ROLE_REGISTER["bassline"][1])
    drums: Annotated[list[NoteOut], Field(max_length=4096)] | DrumsRef | None = Field(
        None, description="A drum part to lock to: its notes (kick = 35 or 36; times within the "
        "64-bar clip) or a previous drums generation; the bass plays with its kicks.",
        examples=[[{"pitch": 36, "start": 0.0, "duration": 0.25, "velocity": 100},
                   {"pitch": 36, "start": 2.5, "duration": 0.25, "velocity": 96}]])


class MelodyRequest(LineRequest):
    register_low: int | None = _register("Lowest", ROLE_REGISTER["melody"][0])
    register_high: int | None = _register("Highest", ROLE_REGISTER["melody"][1])
