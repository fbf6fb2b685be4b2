"""Song forms in 4-bar phrases: each genre family's form at every length from 1 to 16 phrases
(4-64 bars), written out so a producer can read and change them. Sections are 1, 2 or 4 phrases
(4, 8 or 16 bars); a section that returns keeps its length where the form allows, so a chorus or
a drop can replay its hook whole. Longer songs add verse-chorus (or breakdown-drop) pairs before
the last section; a length that is not a multiple of 4 gives its 1-3 extra bars to the last
section (a tag), and under 4 bars the song is one section.

References for the shapes: pop and rock verse/chorus forms with a bridge before the last chorus
(Covach, "Form in Rock Music", 2005); trap and boom-bap hook/16-bar verse (Williams, "Rhymin' and
Stealin'", 2013; common beat-tape practice); house and techno intro/build/drop/breakdown/outro in
8- and 16-bar blocks for DJs (Butler, "Unlocking the Groove", 2006).
"""

from dataclasses import dataclass

from beatengine.roles.chords.progression import Span

PHRASE_BARS = 4


@dataclass(frozen=True)
class Section:
    name: str
    bars: int
    energy: float
    chords: tuple[Span, ...] | None = None    # the section's own progression (from its start)


# a section's energy by name. A section that returns has the same energy (it replays the first
# time's parts), and the quiet sections share one, so none is thinned to match another.
ENERGY = {"intro": 0.3, "verse": 0.55, "chorus": 0.9, "hook": 0.9, "bridge": 0.65, "break": 0.45,
          "build": 0.6, "drop": 1.0, "breakdown": 0.3, "outro": 0.3}

@dataclass(frozen=True)
class Family:
    """A family of genres' forms: the form at each length in phrases, and what a longer song
    inserts before its last section (largest first)."""
    forms: dict[int, str]
    extensions: tuple[str, ...]


SONG = {  # pop, rock, R&B, funk, jazz, latin, reggae, lo-fi ...: verse / chorus
    1: "chorus:1",
    2: "verse:1 chorus:1",
    3: "intro:1 verse:1 chorus:1",
    4: "verse:2 chorus:2",
    5: "intro:1 verse:2 chorus:2",
    6: "intro:1 verse:2 chorus:2 outro:1",
    7: "intro:1 verse:1 chorus:2 verse:1 chorus:2",
    8: "intro:1 verse:2 chorus:2 verse:1 chorus:2",
    9: "intro:1 verse:2 chorus:2 verse:1 chorus:2 outro:1",
    10: "intro:1 verse:2 chorus:2 verse:2 chorus:2 outro:1",
    11: "intro:2 verse:2 chorus:2 verse:2 chorus:2 outro:1",
    12: "intro:1 verse:2 chorus:2 verse:2 chorus:2 break:1 chorus:2",
    13: "intro:1 verse:2 chorus:2 verse:2 chorus:2 break:1 chorus:2 outro:1",
    14: "intro:1 verse:2 chorus:2 verse:2 chorus:2 bridge:2 chorus:2 outro:1",
    15: "intro:2 verse:2 chorus:2 verse:2 chorus:2 bridge:2 chorus:2 outro:1",
    16: "intro:2 verse:2 chorus:2 verse:2 chorus:2 bridge:2 chorus:2 outro:2",
}
HIP_HOP = {  # trap, drill, boom bap: hooks of 8 bars around verses of 8 or 16
    1: "hook:1",
    2: "intro:1 hook:1",
    3: "intro:1 hook:2",
    4: "verse:2 hook:2",
    5: "intro:1 verse:2 hook:2",
    6: "hook:2 verse:2 hook:2",
    7: "intro:1 hook:2 verse:2 hook:2",
    8: "intro:1 hook:2 verse:2 hook:2 outro:1",
    9: "intro:1 hook:2 verse:4 hook:2",
    10: "intro:1 hook:2 verse:4 hook:2 outro:1",
    11: "intro:1 hook:2 verse:2 hook:2 verse:2 hook:2",
    12: "intro:1 hook:2 verse:2 hook:2 verse:2 hook:2 outro:1",
    13: "intro:1 hook:2 verse:4 hook:2 verse:2 hook:2",
    14: "intro:1 hook:2 verse:4 hook:2 verse:2 hook:2 outro:1",
    15: "intro:1 hook:2 verse:4 hook:2 verse:4 hook:2",
    16: "intro:1 hook:2 verse:4 hook:2 verse:4 hook:2 outro:1",
}
CLUB = {  # house, techno, drum & bass: DJ-friendly blocks around two drops
    1: "drop:1",
    2: "build:1 drop:1",
    3: "intro:1 build:1 drop:1",
    4: "intro:1 build:1 drop:2",
    5: "intro:1 build:1 drop:2 outro:1",
    6: "intro:1 drop:2 breakdown:1 drop:2",
    7: "intro:1 build:1 drop:2 breakdown:1 drop:2",
    8: "intro:1 build:1 drop:2 breakdown:1 drop:2 outro:1",
    9: "intro:2 build:1 drop:2 breakdown:1 drop:2 outro:1",
    10: "intro:2 build:1 drop:2 breakdown:1 drop:2 outro:2",
    11: "intro:2 build:1 drop:2 breakdown:2 drop:2 outro:2",
    12: "intro:2 build:2 drop:2 breakdown:2 drop:2 outro:2",
    13: "intro:2 build:2 drop:2 breakdown:2 build:1 drop:2 outro:2",
    14: "intro:2 build:1 drop:4 breakdown:1 drop:4 outro:2",
    15: "intro:2 build:2 drop:4 breakdown:1 drop:4 outro:2",
    16: "intro:2 build:2 drop:4 breakdown:2 drop:4 outro:2",
}
SONG_FAMILY = Family(SONG, ("verse:2 chorus:2", "chorus:2", "break:1"))
HIP_HOP_FAMILY = Family(HIP_HOP, ("verse:2 hook:2", "hook:2", "break:1"))
CLUB_FAMILY = Family(CLUB, ("breakdown:1 drop:2", "drop:2", "break:1"))
FAMILY = {"house": CLUB_FAMILY, "techno": CLUB_FAMILY, "drum_and_bass": CLUB_FAMILY,
          "trap": HIP_HOP_FAMILY, "drill": HIP_HOP_FAMILY, "boom_bap": HIP_HOP_FAMILY}


def _parse(form: str) -> list[tuple[str, int]]:
    return [(name, int(n)) for name, n in (part.split(":") for part in form.split())]


def _phrases_for(family: Family, phrases: int) -> list[tuple[str, int]]:
    """The family's form for `phrases`, extended past its longest before the last section."""
    longest = max(family.forms)
    form = _parse(family.forms[min(phrases, longest)])
    left = phrases - longest
    for extension in family.extensions:
        block = _parse(extension)
        size = sum(n for _, n in block)
        while left >= size:
            form[-1:-1] = block
            left -= size
    return form


def form_for(genre: str, bars: int) -> list[Section]:
    """The genre's default form for exactly `bars` bars (see the module docstring)."""
    if bars < 1:
        raise ValueError(f"a song needs at least one bar, got {bars}")
    family = FAMILY.get(genre, SONG_FAMILY)
    phrases, extra = divmod(bars, PHRASE_BARS)
    if phrases == 0:
        name, _ = _parse(family.forms[1])[0]
        return [Section(name, bars, ENERGY[name])]
    sections = [Section(name, n * PHRASE_BARS, ENERGY[name])
                for name, n in _phrases_for(family, phrases)]
    last = sections[-1]
    sections[-1] = Section(last.name, last.bars + extra, last.energy)
    return sections
