"""Whole arrangements: a form of sections with energies, and drums, bass, chords and a lead that fit
one another, built from the role engines.

- One key for the song; one progression per section *name* (a chorus that returns plays the same
  chords), looped to the section's length.
- Energy (0-1) drives each section: which parts play (drums thin to hats and then drop out, bass and
  lead drop out in intros and breakdowns), how busy they are, and how loud.
- The last bar before a new section carries a drum fill, so sections hand over.
- The bass is locked to the section's kicks and lands on the chord's bass note on every downbeat;
  the lead sits above the chords' register and the chords above the bass's.
"""

from dataclasses import dataclass, field

import numpy as np

from beatengine.meter import beats_per_bar
from beatengine.midi_io import Note
from beatengine.roles.bassline.generator import BasslineGenerator
from beatengine.roles.chords.generator import ChordGenerator, ChordParams
from beatengine.roles.chords.progression import Span
from beatengine.roles.chords.voicing import GENRE_VOICING, voice_progression
from beatengine.roles.drums import vocab as DV
from beatengine.roles.drums.generator import DrumGenerator, DrumParams
from beatengine.roles.drums.kicks import kick_offsets
from beatengine.roles.lines.generator import LineParams
from beatengine.roles.melody.generator import MelodyGenerator
from beatengine.theory import Key

PARTS = ("drums", "bass", "chords", "melody")
REGISTERS = {"bass": (28, 50), "chords": (52, 74), "melody": (74, 96)}

# the form a genre's song takes when only `bars` is given: (name, share of the bars, energy)
FORMS: dict[str, list[tuple[str, float, float]]] = {
    "house": [("intro", 1, 0.3), ("build", 1, 0.6), ("drop", 2, 1.0), ("breakdown", 1, 0.35),
              ("drop", 2, 1.0), ("outro", 1, 0.3)],
    "techno": [("intro", 1, 0.35), ("build", 1, 0.6), ("drop", 2, 1.0), ("breakdown", 1, 0.35),
               ("drop", 2, 1.0), ("outro", 1, 0.3)],
    "trap": [("intro", 1, 0.3), ("hook", 2, 0.9), ("verse", 4, 0.6), ("hook", 2, 0.9)],
    "drill": [("intro", 1, 0.3), ("hook", 2, 0.9), ("verse", 4, 0.6), ("hook", 2, 0.9)],
}
DEFAULT_FORM = [("intro", 1, 0.3), ("verse", 2, 0.55), ("chorus", 2, 0.9), ("verse", 2, 0.6),
                ("chorus", 2, 0.95), ("outro", 1, 0.35)]


@dataclass(frozen=True)
class Section:
    name: str
    bars: int
    energy: float
    chords: tuple[Span, ...] | None = None    # the section's own progression (from its start)


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


PHRASE_BARS = 4


def form_for(genre: str, bars: int) -> list[Section]:
    """The genre's form scaled to exactly `bars` bars in whole 4-bar phrases: every section is a
    whole number of phrases (at least one), so sections start on phrase boundaries. A length that
    is not a multiple of 4 gives its 1-3 extra bars to the last section (a tag); under 4 bars the
    song is its form's first section. Forms with more sections than phrases keep their first."""
    phrases, extra = divmod(bars, PHRASE_BARS)
    base = FORMS.get(genre, DEFAULT_FORM)
    if phrases == 0:
        name, _, energy = base[0]
        return [Section(name, bars, energy)]
    form = base[:phrases]
    shares = np.array([s for _, s, _ in form], float)
    raw = shares / shares.sum() * phrases
    sizes = np.maximum(1, np.floor(raw)).astype(int)
    while sizes.sum() < phrases:                  # hand out what rounding left, largest gaps first
        sizes[int(np.argmax(raw - sizes))] += 1
    while sizes.sum() > phrases:
        sizes[int(np.argmax(sizes))] -= 1
    lengths = sizes * PHRASE_BARS
    lengths[-1] += extra
    return [Section(name, int(n), energy) for (name, _, energy), n in zip(form, lengths, strict=True)]


# house and techno are DJ tools: intros and outros are drums first (kick and hats) to mix into,
# and the breakdown drops the kick (Butler, Unlocking the Groove, 2006; DeSantis, Making Music)
DRUMS_FIRST = frozenset({"house", "techno"})
TOMS_AND_CRASH = ["low_tom", "mid_tom", "high_tom", "crash"]


def parts_for(energy: float, wanted: tuple[str, ...], genre: str = "", name: str = "") -> list[str]:
    """Instrumentation follows energy: chords always; drums from 0.3 (hats only below 0.45);
    bass from 0.4; the lead from 0.55. House and techno intros and outros always have drums."""
    drums_first = genre in DRUMS_FIRST and name in ("intro", "outro")
    on = {"chords": True, "drums": energy >= 0.3 or drums_first, "bass": energy >= 0.4,
          "melody": energy >= 0.55}
    return [p for p in PARTS if p in wanted and on[p]]


def drums_left_out(genre: str, sec: Section) -> list[str]:
    """The drum pieces a section leaves out: quiet sections play hats only, except that a house
    or techno intro or outro keeps its kick and a breakdown never has one."""
    if genre in DRUMS_FIRST and sec.name in ("intro", "outro"):
        return ["snare", *TOMS_AND_CRASH]
    if genre in DRUMS_FIRST and sec.name == "breakdown":
        return ["kick", *TOMS_AND_CRASH]
    return [] if sec.energy >= 0.45 else ["kick", "snare", *TOMS_AND_CRASH]


def _scaled(notes: list[Note], offset: float, energy: float) -> list[Note]:
    """Notes moved to the section's start, velocities scaled by its energy."""
    gain = 0.75 + 0.25 * energy
    return [Note(n.pitch, round(n.start + offset, 6), n.duration,
                 min(127, max(1, round(n.velocity * gain)))) for n in notes]


class Arranger:
    def __init__(self, drums: DrumGenerator | None, chords: ChordGenerator,
                 bass: BasslineGenerator | None, melody: MelodyGenerator | None):
        self.drums, self.chords, self.bass, self.melody = drums, chords, bass, melody

    def arrange(self, p: ArrangementParams) -> Arrangement:
        bpb = beats_per_bar(p.time_signature)
        progressions = self.progressions(p)
        out = Arrangement([], [], {part: [] for part in p.parts})
        leads: dict[str, tuple[list[Note], float]] = {}   # a section's lead and its length in beats
        start = 0.0
        for i, sec in enumerate(p.sections):
            parts = parts_for(sec.energy, p.parts, p.genre, sec.name)
            out.sections.append(PlacedSection(sec, start, parts))
            spans = self.section_chords(p, sec, start, progressions)
            out.spans += [Span(s.start + start, s.end + start, s.chord, s.symbol) for s in spans]
            seed = p.seed + 1000 * i
            kicks = offsets = None
            if "drums" in parts and self.drums is not None:
                fill_next = i + 1 < len(p.sections)          # every new section is announced
                d = self.drums.generate(DrumParams(
                    genre=p.genre, bpm=p.bpm, bars=sec.bars, time_signature=p.time_signature,
                    density=0.25 + 0.6 * sec.energy, fills=sec.bars if fill_next else 0,
                    temperature=p.temperature, seed=seed,
                    exclude=drums_left_out(p.genre, sec)))[0]
                out.notes["drums"] += _scaled(d.notes, start, sec.energy)
                kicks = d.grid.hits[:, DV.KICK] if d.grid.hits[:, DV.KICK].any() else None
                offsets = kick_offsets(d.notes, p.time_signature, sec.bars, sec.bars)
            if "chords" in parts:
                style = "pad" if sec.energy < 0.45 else GENRE_VOICING.get(p.genre, "block")
                low, high = REGISTERS["chords"]
                notes = voice_progression([(s.start, s.beats, s.chord) for s in spans], style,
                                          p.time_signature, low, high, seed=p.seed)
                out.notes["chords"] += _scaled(notes, start, sec.energy)
            for part, gen in (("bass", self.bass), ("melody", self.melody)):
                if part not in parts or gen is None:
                    continue
                # a section that returns plays its lead again, looped or cut to its length (its
                # energy may differ: only the velocities follow it); the bass follows the new kicks
                if part == "melody" and sec.name in leads:
                    hook = looped_notes(*leads[sec.name], sec.bars * bpb)
                    out.notes[part] += _scaled(hook, start, sec.energy)
                    continue
                low, high = REGISTERS[part]
                v = gen.generate(LineParams(
                    key=p.key, genre=p.genre, bars=sec.bars, spans=spans,
                    time_signature=p.time_signature, density=0.3 + 0.5 * sec.energy, low=low,
                    high=high, kicks=kicks if part == "bass" else None,
                    kick_offsets=offsets if part == "bass" else None,
                    temperature=p.temperature, seed=seed + (2 if part == "melody" else 1)))[0]
                if part == "melody":
                    leads[sec.name] = (v.notes, sec.bars * bpb)
                out.notes[part] += _scaled(v.notes, start, sec.energy)
            start += sec.bars * bpb
        return out

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
