"""Request and response pieces shared by every role (see ../shared/docs/api-contract.md)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from beatengine.genres import GENRE_NAMES

# Ids are compared and stored as sent: no control characters (Postgres refuses NUL outright).
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]+$"
STEPS_PER_BEAT = 4             # the 16th-note grid
MAX_CLIP_BARS = 64
# The longest clip: 64 bars of 4/4 (3/4 and 6/8 bars are 3 beats). Note times sent in are bounded
# by it, so nothing a client sends can overflow the grid arithmetic.
MAX_CLIP_BEATS = MAX_CLIP_BARS * 4


class ApiModel(BaseModel):
    """Every model of the API: NaN, Infinity and numbers too large for a float (1e999, which JSON
    parsers read as Infinity) are refused."""
    model_config = ConfigDict(allow_inf_nan=False)


class RequestModel(ApiModel):
    """What clients send: strict types. An integer field takes a JSON integer (not 8.0, not
    false), a boolean a JSON boolean (not 0 or "yes"), a string a JSON string; a number field
    takes integers too."""
    model_config = ConfigDict(strict=True)


def known_genre(value: str) -> str:
    """A GET /genres name, else a ValueError naming the choices (a 422 in a request model)."""
    if value not in GENRE_NAMES:
        raise ValueError(f"unknown genre {value!r}; choose one of: {', '.join(GENRE_NAMES)}")
    return value


class Consent(RequestModel):
    """Phase 0 consent metadata carried by every request that generates, logs or uploads."""
    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(..., min_length=1, max_length=128, pattern=NO_CONTROL_CHARACTERS,
                         description="The DAW user's id (no control characters).",
                         examples=["u_123"])
    terms_version: str = Field(..., min_length=1, max_length=64, pattern=NO_CONTROL_CHARACTERS,
                               description="Version of the terms the user accepted.",
                               examples=["2026-01"])
    # Strict (as every request field): consent is a JSON boolean, never "yes" or 1.
    terms_accepted: bool = Field(..., description="false: the request is refused "
                                 "with 403 and nothing is generated or stored.", examples=[True])
    training_opt_in: bool = Field(False, description="Only true lets the user's "
                                  "material reach training data.", examples=[False])


class ChordItem(RequestModel):
    symbol: str = Field(..., min_length=1, max_length=32, description="Chord symbol.",
                        examples=["Am7"])
    beats: float = Field(4.0, ge=0.25, le=64, multiple_of=0.25, description="Length in beats, on "
                         "the 16th-note grid: a whole number of 16ths (a multiple of 0.25, checked "
                         "exactly), from one 16th to 64 beats.", examples=[2])

    @field_validator("beats")
    @classmethod
    def _whole_16ths(cls, value: float) -> float:
        # `multiple_of` on a float has a tolerance (1.0000000001 passes it); the grid has none.
        if not (value * STEPS_PER_BEAT).is_integer():
            raise ValueError(f"{value} beats is not a whole number of 16ths (a multiple of 0.25)")
        return value


class GenerateRequest(RequestModel):
    """Fields common to every /generate endpoint."""
    model_config = ConfigDict(extra="forbid")

    consent: Consent
    genre: str = Field("rock", description="One of GET /genres.", examples=["trap"],
                       json_schema_extra={"enum": list(GENRE_NAMES)})
    bpm: float | None = Field(None, ge=40, le=240,
                              description="Tempo; default: the genre's typical tempo.",
                              examples=[140])
    time_signature: Literal["4/4", "3/4", "6/8"] = Field(
        "4/4", description="Metre of the clip.", examples=["4/4"])
    bars: int = Field(4, ge=1, le=MAX_CLIP_BARS, description="Length of the clip in bars.",
                      examples=[8])
    key: str | None = Field(None, max_length=32, description='Key, e.g. "A minor"; ignored by '
                            "drums.", examples=["A minor"])
    chords: list[str | ChordItem] | None = Field(
        None, max_length=256, description="A progression to follow (one bar per symbol string); "
        "ignored by drums.", examples=[["Am7", {"symbol": "F", "beats": 2}]])
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="Same seed + params + model "
                             "version gives identical output; default: random (returned).",
                             examples=[1234])
    temperature: float = Field(1.0, ge=0.1, le=2.0, description="Sampling temperature: lower is "
                               "safer, higher is wilder.", examples=[0.9])
    variations: int = Field(1, ge=1, le=8, description="Independent results in one call.",
                            examples=[4])

    @field_validator("genre")
    @classmethod
    def _known_genre(cls, value: str) -> str:
        return known_genre(value)


class NoteOut(RequestModel):
    """A note: in responses, and in requests (a drum part to lock to)."""
    pitch: int = Field(..., ge=0, le=127, description="MIDI note number.", examples=[36])
    start: float = Field(..., ge=0, lt=MAX_CLIP_BEATS, description="Start in beats from the clip "
                         f"start; under {MAX_CLIP_BEATS} (64 bars of 4/4, the longest clip).",
                         examples=[0.0])
    duration: float = Field(..., gt=0, le=MAX_CLIP_BEATS, description="Length in beats; at most "
                            f"{MAX_CLIP_BEATS}.", examples=[0.25])
    velocity: int = Field(..., ge=1, le=127, description="MIDI velocity.", examples=[104])


class TrackOut(ApiModel):
    name: str = Field(..., description="Part name (also the MIDI track name).", examples=["drums"])
    is_drum: bool = Field(..., description="Percussion track (MIDI channel 10).", examples=[True])
    program: int = Field(..., ge=0, le=127, description="General MIDI program.", examples=[0])
    channel: int = Field(..., ge=0, le=15, description="0-based MIDI channel (9 = drums).",
                         examples=[9])
    notes: list[NoteOut] = Field(..., description="Notes sorted by start, then pitch.")


class ChordOut(ChordItem):
    start: float = Field(..., ge=0, description="Start in beats from the clip start.",
                         examples=[0.0])


class AdherenceOut(ApiModel):
    in_key: float = Field(..., ge=0, le=1, description="Share of notes in the key's scale or in "
                          "the chord sounding.", examples=[1.0])
    strong_beat_chord_tones: float = Field(..., ge=0, le=1, description="Share of notes on strong "
                                           "beats that are tones of the chord sounding.",
                                           examples=[0.9])
    downbeat_roots: float | None = Field(None, ge=0, le=1, description="Bass: share of bar and "
                                         "chord starts where the chord's bass note starts.",
                                         examples=[1.0])


class OriginalityOut(ApiModel):
    score: float = Field(..., ge=0, le=1, description="Share of the part's windows (drums: 4-bar "
                         "onset grids, hop 1 bar) not found in the model's training set; 1 = "
                         "nothing copied.", examples=[1.0])
    windows: int = Field(..., ge=0, description="Windows checked (0: part shorter than one "
                         "window, or the checkpoint has no training-set index).", examples=[5])
    copied_windows: int = Field(..., ge=0, description="Windows found in the training set.",
                                examples=[0])
    resampled: int = Field(..., ge=0, description="Times the part was drawn again because it "
                           "copied beyond the threshold.", examples=[0])


class SectionOut(ApiModel):
    name: str = Field(..., examples=["chorus"])
    start: float = Field(..., ge=0, description="Start in beats.", examples=[32.0])
    bars: int = Field(..., ge=1, examples=[8])
    energy: float = Field(..., ge=0, le=1, examples=[0.9])
    parts: list[str] = Field(..., description="The parts that play in it.",
                             examples=[["drums", "bass", "chords", "melody"]])


class VariationOut(ApiModel):
    tracks: list[TrackOut] = Field(..., description="One track per part.")
    chords: list[ChordOut] | None = Field(None, description="Present when the part follows or "
                                           "makes a progression.")
    midi_base64: str = Field(..., description="Standard MIDI File: tempo, time signature, one "
                             "track per part, drums on channel 10.")
    originality: OriginalityOut | None = Field(None, description="What the originality guard "
                                               "found for this part.")
    adherence: AdherenceOut | None = Field(None, description="Bassline and melody: how well the "
                                           "part met the key and the chords.")
    sections: list[SectionOut] | None = Field(None, description="Arrangement: the form, with the "
                                              "start beat of every section.")


class ModelRef(ApiModel):
    name: str = Field(..., description="Model (role) name.", examples=["drums"])
    version: str = Field(..., description="Semantic version of the checkpoint.", examples=["1.0.0"])


class GenerationResponse(ApiModel):
    generation_id: str = Field(..., description="Id of this generation in the event log.",
                               examples=["0b9d3c0e-4a51-4c43-9d6f-0f4f8f1b2a11"])
    role: str = Field(..., description="The role generated.", examples=["drums"])
    model: ModelRef = Field(..., description="The checkpoint that made it.")
    seed: int = Field(..., description="The seed used (the request's, or a random one).",
                      examples=[1234])
    params: dict = Field(..., description="The resolved request parameters, consent excluded.",
                         examples=[{"genre": "trap", "bpm": 140.0, "bars": 8}])
    variations: list[VariationOut] = Field(..., min_length=1, max_length=8,
                                           description="Independent results, as many as asked.")
    latency_ms: float = Field(..., description="Server-side time for this request.",
                              examples=[12.3])
