"""Whole arrangements: a form of sections with energies, and drums, bass, chords and a lead that fit
one another, built from the role engines.

- One key for the song; one progression per section *name* (a chorus that returns plays the same
  chords), looped to the section's length; a returning section replays its lead.
- Energy (0-1) drives each section (`beatengine.arrangement.energy`): which parts and drum pieces
  play, how many chord voices, how busy and how loud the parts are, and a riser into a drop.
- The last bar before a new section carries a drum fill (or a riser), so sections hand over on
  phrase boundaries.
- The bass is locked to the section's kicks and lands on the chord's bass note on every downbeat;
  the lead sits above the chords' register and the chords above the bass's.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from beatengine.arrangement import replay
from beatengine.arrangement.energy import (
    PARTS,
    SNARES,
    Lighter,
    chord_voices,
    crashes_placed,
    drums_left_out,
    even_touch,
    fills_into,
    gain,
    order_by_energy,
    parts_for,
    riser,
    riser_bars,
)
from beatengine.arrangement.forms import Section
from beatengine.meter import beats_per_bar
from beatengine.midi_io import Note
from beatengine.roles.bassline.generator import BasslineGenerator
from beatengine.roles.chords.generator import ChordGenerator, ChordParams
from beatengine.roles.chords.progression import Span
from beatengine.roles.chords.voicing import GENRE_VOICING, voice_progression
from beatengine.roles.drums.generator import DrumGenerator, DrumParams
from beatengine.roles.drums.kicks import kick_offsets, kick_steps
from beatengine.roles.lines.generator import LineParams
from beatengine.roles.melody.generator import MelodyGenerator
from beatengine.theory import Key

# bass E1-D3, chords C3-G4, lead F4-F6: the lead in the melody model's own range (60-84) and
# above the chords (a lead forced higher piles onto its lowest note)
REGISTERS = {"bass": (28, 50), "chords": (48, 67), "melody": (65, 89)}

PartNotes = dict[str, list[Note]]        # part -> notes, in section beats


@dataclass
class ArrangementParams:
    genre: str
    key: Key
    bpm: float
    sections: list[Section]
    time_signature: str = "4/4"
    parts: tuple[str, ...] = PARTS
    seed: int = 0
    temperature: float = 1.0
    chords: list[Span] | None = None   # the whole song's progression (from bar 1), else written


@dataclass
class PlacedSection:
    section: Section
    start: float                      # beats
    parts: list[str]                  # the parts that play in it


@dataclass
class Arrangement:
    sections: list[PlacedSection]
    spans: list[Span]                 # the whole song's chords, in song beats
    notes: dict[str, list[Note]] = field(default_factory=dict)   # per part, song beats


def _placed(notes: list[Note], offset: float, energy: float) -> list[Note]:
    """Notes moved to the section's start, velocities scaled by its energy."""
    g = gain(energy)
    return [Note(n.pitch, round(n.start + offset, 6), n.duration,
                 min(127, max(1, round(n.velocity * g)))) for n in sorted(notes, key=lambda n: n.start)]


@dataclass
class First:
    """What a section played the first time, for its returns to replay."""
    bars: int
    parts: list[str]
    spans: list[Span]
    fill: bool
    rise: int
    notes: PartNotes
    risers: PartNotes


def _seed(p: ArrangementParams, i: int) -> int:
    """A section's seed: its name's first section's, so a returning section is written alike."""
    first = next(j for j, s in enumerate(p.sections) if s.name == p.sections[i].name)
    return p.seed + 1000 * first


class Arranger:
    def __init__(self, drums: DrumGenerator | None, chords: ChordGenerator,
                 bass: BasslineGenerator | None, melody: MelodyGenerator | None):
        self.drums, self.chords, self.bass, self.melody = drums, chords, bass, melody

    def arrange(self, p: ArrangementParams) -> Arrangement:
        bpb = beats_per_bar(p.time_signature)
        progressions = self.progressions(p)
        out = Arrangement([], [], {part: [] for part in p.parts})
        leads: dict[str, tuple[list[Note], float]] = {}   # a section's lead and its length in beats
        written: list[PartNotes] = []
        risers: list[PartNotes] = []
        lighter: list[dict[str, Lighter]] = []
        firsts: dict[str, First] = {}
        start = 0.0
        for i, sec in enumerate(p.sections):
            parts = parts_for(sec.energy, p.parts, p.genre, sec.name)
            out.sections.append(PlacedSection(sec, start, parts))
            spans = self.section_chords(p, sec, start, progressions)
            out.spans += [Span(s.start + start, s.end + start, s.chord, s.symbol) for s in spans]
            following = p.sections[i + 1].energy if i + 1 < len(p.sections) else None
            notes, rise = self.drums_and_bass(p, i, parts, spans, following, firsts)
            notes |= self.lead_part(p, i, parts, spans, leads)
            fewer: dict[str, Lighter] = {}
            if "chords" in parts:
                voiced = self.chord_part(p, sec, spans)
                voices = chord_voices(sec.energy)
                notes["chords"] = voiced(voices)
                fewer["chords"] = partial(map, voiced, range(voices - 1, 1, -1))
            written.append(notes)
            risers.append(rise)
            lighter.append(fewer)
            start += sec.bars * bpb
        order_by_energy([s.energy for s in p.sections], [s.bars for s in p.sections], written,
                        risers, bpb, lighter)
        even_touch(written)
        for placed, notes, rise in zip(out.sections, written, risers, strict=True):
            for part in notes.keys() | rise.keys():
                out.notes[part] += _placed(notes.get(part, []) + rise.get(part, []), placed.start,
                                           placed.section.energy)
        return out

    def drums_and_bass(self, p: ArrangementParams, i: int, parts: list[str], spans: list[Span],
                       following: float | None, firsts: dict[str, "First"]
                       ) -> tuple[PartNotes, PartNotes]:
        """The section's drums and bass, and its riser. A section that returns with the same
        parts and chords replays the first time's (cut to its length, `replay`); otherwise they
        are written, with the first time's seed."""
        sec = p.sections[i]
        bpb = beats_per_bar(p.time_signature)
        rise = riser_bars(sec.name, sec.bars, following)
        fill = fills_into(sec.energy, following) and not rise
        first = firsts.get(sec.name)
        if first and first.parts == parts and first.rise == rise:
            bars = replay.bar_map(first.bars, sec.bars, first.fill, fill)
            if bars and replay.chords_match(first.spans, spans, bars, bpb):
                notes = {part: replay.remap(n, bars, bpb) for part, n in first.notes.items()}
                return notes, {part: replay.remap(n, bars, bpb) for part, n in first.risers.items()}
        drums, risers = self.drum_part(p, i, parts, rise, fill)
        notes = drums | self.bass_part(p, i, parts, spans, drums.get("drums"))
        firsts.setdefault(sec.name, First(sec.bars, parts, spans, fill, rise, notes, risers))
        return notes, risers

    def drum_part(self, p: ArrangementParams, i: int, parts: list[str], rise: int, fill: bool
                  ) -> tuple[PartNotes, PartNotes]:
        """The section's drums, and its riser (kept apart: thinning never touches it). Every new
        section is announced by a fill in the bar before it, or by the riser that replaces it."""
        sec = p.sections[i]
        if "drums" not in parts or self.drums is None:
            return {}, {}
        bpb = beats_per_bar(p.time_signature)
        left_out = drums_left_out(p.genre, sec.name, sec.energy)
        d = self.drums.generate(DrumParams(
            genre=p.genre, bpm=p.bpm, bars=sec.bars, time_signature=p.time_signature,
            density=0.25 + 0.6 * sec.energy, fills=sec.bars if fill else 0,
            temperature=p.temperature, seed=_seed(p, i), exclude=left_out))[0]
        enters = i > 0 and sec.energy >= 0.6 and "crash" not in left_out
        drums = crashes_placed(d.notes, bpb, enters)
        if not rise:
            return {"drums": drums}, {}
        roll_from = (sec.bars - rise) * bpb - 0.125       # the roll replaces the snare there
        drums = [n for n in drums if not (n.pitch in SNARES and n.start >= roll_from)]
        return {"drums": drums}, {"drums": riser(sec.bars, rise, bpb)}

    @staticmethod
    def chord_part(p: ArrangementParams, sec: Section, spans: list[Span]
                   ) -> Callable[[int], list[Note]]:
        """The section's chords, voiced in so many voices, in the style its energy asks for (pads
        when quiet, the genre's style otherwise): the energy's voice count, and fewer where a
        quieter section falls back on a lighter part."""
        low, high = REGISTERS["chords"]
        style = "pad" if sec.energy < 0.45 else GENRE_VOICING.get(p.genre, "block")
        chords = [(s.start, s.beats, s.chord) for s in spans]

        def voiced(voices: int) -> list[Note]:
            return voice_progression(chords, style, p.time_signature, low, high, seed=p.seed,
                                     humanize=0.3, max_voices=voices)
        return voiced

    def bass_part(self, p: ArrangementParams, i: int, parts: list[str], spans: list[Span],
                  drums: list[Note] | None) -> PartNotes:
        """The section's bass, locked to its kicks."""
        if "bass" not in parts or self.bass is None:
            return {}
        sec = p.sections[i]
        kicks = offsets = None
        if drums:
            steps = kick_steps(drums, p.time_signature, sec.bars, sec.bars)
            kicks = steps if steps.any() else None
            offsets = kick_offsets(drums, p.time_signature, sec.bars, sec.bars)
        return {"bass": self._line(self.bass, "bass", p, i, spans, kicks, offsets)}

    def lead_part(self, p: ArrangementParams, i: int, parts: list[str], spans: list[Span],
                  leads: dict[str, tuple[list[Note], float]]) -> PartNotes:
        """The section's lead. A section that returns plays its lead again, looped or cut to its
        length (its energy may differ: the velocities follow it)."""
        if "melody" not in parts or self.melody is None:
            return {}
        sec = p.sections[i]
        beats = sec.bars * beats_per_bar(p.time_signature)
        if sec.name not in leads:
            leads[sec.name] = (self._line(self.melody, "melody", p, i, spans, None, None), beats)
        return {"melody": looped_notes(*leads[sec.name], beats)}

    @staticmethod
    def _line(gen: BasslineGenerator | MelodyGenerator, part: str, p: ArrangementParams, i: int,
              spans: list[Span], kicks, offsets) -> list[Note]:
        sec = p.sections[i]
        low, high = REGISTERS[part]
        return gen.generate(LineParams(
            key=p.key, genre=p.genre, bars=sec.bars, spans=spans, time_signature=p.time_signature,
            density=0.3 + 0.5 * sec.energy, low=low, high=high, kicks=kicks, kick_offsets=offsets,
            temperature=p.temperature, seed=_seed(p, i) + (2 if part == "melody" else 1)))[0].notes

    @staticmethod
    def section_chords(p: ArrangementParams, sec: Section, start: float,
                       progressions: dict[str, list[Span]]) -> list[Span]:
        """A section's chords from its start: its own progression, else the song's (given chords
        run on through the sections as one loop), else its name's written one, looped."""
        beats = sec.bars * beats_per_bar(p.time_signature)
        if sec.chords:
            return loop(list(sec.chords), beats)
        if p.chords:
            song = loop(p.chords, start + beats)
            return [Span(max(s.start, start) - start, s.end - start, s.chord, s.symbol)
                    for s in song if s.end > start]
        return loop(progressions[sec.name], beats)

    def progressions(self, p: ArrangementParams) -> dict[str, list[Span]]:
        """One progression per section name: 4 bars (2 for a 2-bar section) written by the chord
        model in the song's key, a chord per bar, two in high-energy sections of 4/4 songs."""
        out: dict[str, list[Span]] = {}
        for i, sec in enumerate(p.sections):
            if sec.name in out or sec.chords or p.chords:      # given chords need none written
                continue
            bars = min(4, sec.bars)
            per_bar = 2 if sec.energy >= 0.9 and p.time_signature == "4/4" else 1
            v = self.chords.generate(ChordParams(
                key=p.key, genre=p.genre, bars=bars, time_signature=p.time_signature,
                chords_per_bar=per_bar, temperature=p.temperature,
                seed=p.seed + 7 * i + 1))[0]
            out[sec.name] = v.spans
        return out


def looped_notes(notes: list[Note], period: float, beats: float) -> list[Note]:
    """Notes of a `period`-beat part repeated to fill `beats`, cut at the end."""
    out, offset = [], 0.0
    while offset < beats:
        out += [Note(n.pitch, n.start + offset, min(n.duration, beats - n.start - offset), n.velocity)
                for n in notes if n.start + offset < beats]
        offset += period
    return out


def loop(spans: list[Span], beats: float) -> list[Span]:
    """A progression repeated to fill `beats`, cut at the end."""
    period = max(s.end for s in spans)
    out, offset = [], 0.0
    while offset < beats:
        for s in spans:
            if offset + s.start >= beats:
                break
            out.append(Span(offset + s.start, min(offset + s.end, beats), s.chord, s.symbol))
        offset += period
    return out
