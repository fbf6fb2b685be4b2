"""Request and response pieces shared by every role (see ../shared/docs/api-contract.md)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from beatengine.genres import GENRE_NAMES

# Ids are compared and stored as sent: no control characters (Postgres refuses NUL outright).
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]+$"


def known_genre(value: str) -> str:
    """A GET /genres name, else a ValueError naming the choices (a 422 in a request model)."""
    if value not in GENRE_NAMES:
        raise ValueError(f"unknown genre {value!r}; choose one of: {', '.join(GENRE_NAMES)}")
    return value


class Consent(BaseModel):
    """Phase 0 consent metadata carried by every request that generates, logs or uploads."""
    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(..., min_length=1, max_length=128, pattern=NO_CONTROL_CHARACTERS,
                         description="The DAW user's id (no control characters).",
                         examples=["u_123"])
    terms_version: str = Field(..., min_length=1, max_length=64, pattern=NO_CONTROL_CHARACTERS,
                               description="Version of the terms the user accepted.",
                               examples=["2026-01"])
    # Strict: consent must be a JSON boolean, never "yes" or 1.
    terms_accepted: bool = Field(..., strict=True, description="false: the request is refused "
                                 "with 403 and nothing is generated or stored.", examples=[True])
    training_opt_in: bool = Field(False, strict=True, description="Only true lets the user's "
                                  "material reach training data.", examples=[False])


class ChordItem(BaseModel):
    symbol: str = Field(..., min_length=1, max_length=32, description="Chord symbol.",
                        examples=["Am7"])
    beats: float = Field(4.0, gt=0, le=64, multiple_of=0.25, description="Length in beats, on "
                         "the 16th-note grid (a multiple of 0.25).", examples=[2])


class GenerateRequest(BaseModel):
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
    bars: int = Field(4, ge=1, le=64, description="Length of the clip in bars.", examples=[8])
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


class NoteOut(BaseModel):
    pitch: int = Field(..., ge=0, le=127, description="MIDI note number.", examples=[36])
    start: float = Field(..., ge=0, description="Start in beats from the clip start.",
                         examples=[0.0])
    duration: float = Field(..., gt=0, description="Length in beats.", examples=[0.25])
    velocity: int = Field(..., ge=1, le=127, description="MIDI velocity.", examples=[104])


class TrackOut(BaseModel):
    name: str = Field(..., description="Part name (also the MIDI track name).", examples=["drums"])
    is_drum: bool = Field(..., description="Percussion track (MIDI channel 10).", examples=[True])
    program: int = Field(..., ge=0, le=127, description="General MIDI program.", examples=[0])
    channel: int = Field(..., ge=0, le=15, description="0-based MIDI channel (9 = drums).",
                         examples=[9])
    notes: list[NoteOut] = Field(..., description="Notes sorted by start, then pitch.")


class ChordOut(ChordItem):
    start: float = Field(..., ge=0, description="Start in beats from the clip start.",
                         examples=[0.0])


class AdherenceOut(BaseModel):
    in_key: float = Field(..., ge=0, le=1, description="Share of notes in the key's scale or in "
                          "the chord sounding.", examples=[1.0])
    strong_beat_chord_tones: float = Field(..., ge=0, le=1, description="Share of notes on strong "
                                           "beats that are tones of the chord sounding.",
                                           examples=[0.9])
    downbeat_roots: float | None = Field(None, ge=0, le=1, description="Bass: share of bar and "
                                         "chord starts where the chord's bass note starts.",
                                         examples=[1.0])


class OriginalityOut(BaseModel):
    score: float = Field(..., ge=0, le=1, description="Share of the part's windows (drums: 4-bar "
                         "onset grids, hop 1 bar) not found in the model's training set; 1 = "
                         "nothing copied.", examples=[1.0])
    windows: int = Field(..., ge=0, description="Windows checked (0: part shorter than one "
                         "window, or the checkpoint has no training-set index).", examples=[5])
    copied_windows: int = Field(..., ge=0, description="Windows found in the training set.",
                                examples=[0])
    resampled: int = Field(..., ge=0, description="Times the part was drawn again because it "
                           "copied beyond the threshold.", examples=[0])


class SectionOut(BaseModel):
    name: str = Field(..., examples=["chorus"])
    start: float = Field(..., ge=0, description="Start in beats.", examples=[32.0])
    bars: int = Field(..., ge=1, examples=[8])
    energy: float = Field(..., ge=0, le=1, examples=[0.9])
    parts: list[str] = Field(..., description="The parts that play in it.",
                             examples=[["drums", "bass", "chords", "melody"]])


class VariationOut(BaseModel):
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


class ModelRef(BaseModel):
    name: str = Field(..., description="Model (role) name.", examples=["drums"])
    version: str = Field(..., description="Semantic version of the checkpoint.", examples=["1.0.0"])


class GenerationResponse(BaseModel):
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
