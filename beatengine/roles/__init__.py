"""The roles, one folder each (drums, chords, bassline, melody; `lines` holds what bassline and melody
share), and the one table the service and training read them from."""

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from beatengine.roles.bassline import vocab as bass_vocab
from beatengine.roles.bassline.generator import BasslineGenerator
from beatengine.roles.chords import vocab as chord_vocab
from beatengine.roles.chords.generator import ChordGenerator
from beatengine.roles.drums.generator import DrumGenerator
from beatengine.roles.melody import vocab as melody_vocab
from beatengine.roles.melody.generator import MelodyGenerator
from beatengine.seq.config import SeqSpec


class Generator(Protocol):
    def warm_up(self) -> None: ...

    def generate(self, params): ...


class GeneratorClass(Protocol):
    def load(self, path: Path) -> Generator: ...


@dataclass(frozen=True)
class Role:
    name: str                               # the API's and the registry's name
    part: str                               # what it plays in a song: track names, instruments
    generator: GeneratorClass               # .load(checkpoint dir) -> a ready generator
    register: tuple[int, int] | None = None  # the default MIDI range of a pitched line
    spec: SeqSpec | None = None              # the step-sequence vocabulary (seq roles)


ROLES: dict[str, Role] = {
    "drums": Role("drums", "drums", DrumGenerator),
    "chords": Role("chords", "chords", ChordGenerator, spec=chord_vocab.SPEC),
    "bassline": Role("bassline", "bass", BasslineGenerator, bass_vocab.REGISTER, bass_vocab.SPEC),
    "melody": Role("melody", "melody", MelodyGenerator, melody_vocab.REGISTER, melody_vocab.SPEC),
}
ROLE_NAMES: tuple[str, ...] = tuple(ROLES)
