"""Requests and responses of the logging and training-material endpoints: /feedback,
/preferences, /uploads/midi, /training/batch and DELETE /users/{user_id}/training-data."""

import base64
import binascii
from typing import Annotated, Any, Literal, get_args
from uuid import UUID

from pydantic import ConfigDict, Discriminator, Field, Tag, field_validator

from app.schemas.common import ApiModel, Consent, RequestModel, known_genre
from beatengine.genres import GENRE_NAMES

MaterialRole = Literal["drums", "bassline", "melody", "chords", "arrangement"]
MATERIAL_ROLES: tuple[str, ...] = get_args(MaterialRole)
MAX_BATCH_ITEMS = 32


class FeedbackRequest(RequestModel):
    model_config = ConfigDict(extra="forbid")

    consent: Consent
    # A UUID arrives as a JSON string: strict mode would take only a UUID object.
    generation_id: UUID = Field(..., strict=False, description="The generation the feedback is "
                                "about (one of this user's).",
                                examples=["0b9f7c1e-8d55-4bb8-9a8c-3c0f3c7f1d2a"])
    accepted: bool = Field(..., description="The user kept (true) or discarded (false) it.",
                           examples=[True])
    variation: int = Field(0, ge=0, le=7, description="Which variation of the generation.",
                           examples=[0])
    reason: str | None = Field(None, max_length=500, description="Why, in the user's words.",
                               examples=["hats too busy"])


class PreferencesRequest(RequestModel):
    model_config = ConfigDict(extra="forbid")

    consent: Consent
    genres: list[str] = Field(..., max_length=len(GENRE_NAMES), description="The user's genres, "
                              "favourite first (an empty list clears them).",
                              examples=[["trap", "lofi"]],
                              json_schema_extra={"items": {"enum": list(GENRE_NAMES)}})

    @field_validator("genres")
    @classmethod
    def _genres(cls, value: list[str]) -> list[str]:
        for g in value:
            known_genre(g)
        if len(set(value)) != len(value):
            raise ValueError("genres repeat")
        return value


class MidiItem(RequestModel):
    model_config = ConfigDict(extra="forbid")

    midi_base64: str = Field(..., min_length=4, description="A Standard MIDI File, base64.",
                             examples=["TVRoZAAAAAYAAQABAeBNVHJrAAAABAD/LwA="])
    role: MaterialRole = Field(..., description="What part the file is.", examples=["drums"])
    genre: str = Field(..., description="One of GET /genres.", examples=["trap"],
                       json_schema_extra={"enum": list(GENRE_NAMES)})

    @field_validator("genre")
    @classmethod
    def _genre(cls, value: str) -> str:
        return known_genre(value)

    def midi_bytes(self) -> bytes:
        """The file; ValueError when `midi_base64` is not base64."""
        try:
            return base64.b64decode(self.midi_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("midi_base64 is not valid base64") from exc


class GenerationItem(RequestModel):
    model_config = ConfigDict(extra="forbid")

    generation_id: UUID = Field(..., strict=False, description="One of this user's generations.",
                                examples=["0b9f7c1e-8d55-4bb8-9a8c-3c0f3c7f1d2a"])
    variation: int = Field(0, ge=0, le=7, description="Which variation of it.", examples=[0])


def _item_kind(value: Any) -> str:
    """Items with a generation_id are generation references, all others files: a 422 then speaks
    of the one kind the client meant instead of both."""
    has_id = "generation_id" in value if isinstance(value, dict) else hasattr(value, "generation_id")
    return "generation" if has_id else "midi"


TrainingItem = Annotated[Annotated[MidiItem, Tag("midi")] | Annotated[GenerationItem, Tag("generation")],
                         Discriminator(_item_kind)]


class TrainingBatchRequest(RequestModel):
    model_config = ConfigDict(extra="forbid")

    consent: Consent
    items: list[TrainingItem] = Field(
        ..., min_length=1, max_length=MAX_BATCH_ITEMS, description="Material the user approves "
        "for training: MIDI files, or variations of their own generations.",
        examples=[[{"generation_id": "0b9f7c1e-8d55-4bb8-9a8c-3c0f3c7f1d2a", "variation": 0}]])


class EventRecorded(ApiModel):
    event_id: str = Field(..., description="Id of the recorded event.",
                          examples=["5d1f0a7e-2a57-4f5e-a0a4-3f8d5b1d9c10"])


class MidiTrackSummary(ApiModel):
    index: int = Field(..., ge=0, description="Track number in the file.", examples=[1])
    name: str = Field(..., description="Track name.", examples=["Drums"])
    channels: list[int] = Field(..., description="1-based MIDI channels its notes use.",
                                examples=[[10]])
    is_drum: bool = Field(..., description="All notes on channel 10.", examples=[True])
    program: int = Field(..., ge=0, le=127, description="First General MIDI program.",
                         examples=[0])
    notes: int = Field(..., ge=0, description="Notes in the track.", examples=[128])
    lowest: int = Field(..., ge=0, le=127, description="Lowest pitch.", examples=[36])
    highest: int = Field(..., ge=0, le=127, description="Highest pitch.", examples=[51])


class MidiSummary(ApiModel):
    format: int = Field(..., ge=0, le=1, description="SMF type 0 or 1.", examples=[1])
    ticks_per_beat: int = Field(..., description="Time resolution.", examples=[480])
    tracks: list[MidiTrackSummary] = Field(..., description="Tracks that hold notes.", examples=[[
        {"index": 1, "name": "Drums", "channels": [10], "is_drum": True, "program": 0,
         "notes": 128, "lowest": 36, "highest": 51}]])
    notes: int = Field(..., ge=0, description="All notes.", examples=[128])
    bpm: float = Field(..., description="First tempo (120 when none is set).", examples=[92.0])
    time_signature: str = Field(..., description="First time signature.", examples=["4/4"])
    length_beats: float = Field(..., ge=0, description="Length in beats.", examples=[32.0])
    bars: int = Field(..., ge=0, description="Length in bars.", examples=[8])
    key: str | None = Field(None, description="Key signature, else the Krumhansl-Schmuckler "
                            "estimate of the pitched notes.", examples=["A minor"])
    key_source: Literal["key_signature", "estimated"] | None = Field(
        None, description="Where `key` comes from.", examples=["estimated"])


class UploadResponse(MidiSummary):
    """What was parsed (tracks, bars, tempo, key, ...), with the upload's id."""
    upload_id: str = Field(..., description="Id of the upload event.",
                           examples=["5d1f0a7e-2a57-4f5e-a0a4-3f8d5b1d9c10"])
    stored_for_training: bool = Field(..., description="The file was kept as training material "
                                      "(only with training_opt_in).", examples=[False])


class BatchAccepted(ApiModel):
    batch_id: str = Field(..., description="Id of the training batch.",
                          examples=["5d1f0a7e-2a57-4f5e-a0a4-3f8d5b1d9c10"])
    accepted: int = Field(..., ge=0, description="Items stored as training material.",
                          examples=[2])


class WithdrawalResponse(ApiModel):
    user_id: str = Field(..., description="Whose consent was withdrawn.", examples=["u_123"])
    removed_items: int = Field(..., ge=0, description="Training items removed.", examples=[3])
    removed_batches: int = Field(..., ge=0, description="Training batches removed.", examples=[1])
    consent_event_id: str = Field(..., description="The recorded withdrawal.",
                                  examples=["5d1f0a7e-2a57-4f5e-a0a4-3f8d5b1d9c10"])
