"""The project's genre list and where each genre's knowledge comes from.

`source` is "data" when the drum model learns the genre from the Groove MIDI Dataset, "rules" when it
learns it only from the project's own style rules (`beatengine.roles.drums.style_rules`), and "data+rules"
when both contribute.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Genre:
    name: str
    label: str
    source: str  # "data" | "rules" | "data+rules"
    default_bpm: int


GENRES: tuple[Genre, ...] = (
    Genre("trap", "Trap", "rules", 140),
    Genre("drill", "UK/NY Drill", "rules", 142),
    Genre("boom_bap", "Boom Bap", "data+rules", 90),
    Genre("lofi", "Lo-fi Hip Hop", "rules", 78),
    Genre("house", "House", "data+rules", 124),
    Genre("techno", "Techno", "rules", 130),
    Genre("drum_and_bass", "Drum and Bass", "rules", 174),
    Genre("rnb", "R&B / Soul", "data", 92),
    Genre("pop", "Pop", "data", 110),
    Genre("rock", "Rock", "data", 120),
    Genre("funk", "Funk", "data", 100),
    Genre("jazz", "Jazz", "data", 130),
    Genre("latin", "Latin", "data", 110),
    Genre("afrobeat", "Afrobeat", "data", 108),
    Genre("reggae", "Reggae", "data", 80),
)

GENRE_NAMES: tuple[str, ...] = tuple(g.name for g in GENRES)
# how late the pitched parts (bass, melody) play an off-beat 8th, as a share of an 8th: jazz near
# the 2:1 triplet swing ratio (Friberg and Sundstrom, Music Perception 19, 2002), lo-fi's lazy
# swing, boom bap's light one; the drums carry their own swing
PITCHED_SWING: dict[str, float] = {"jazz": 0.33, "lofi": 0.25, "boom_bap": 0.15}
GENRE_INDEX: dict[str, int] = {name: i for i, name in enumerate(GENRE_NAMES)}
GENRE_BY_NAME: dict[str, Genre] = {g.name: g for g in GENRES}

# Groove MIDI Dataset style (the part before "/" in info.csv, or the whole "main/sub") -> project genre.
# Sub-styles are checked first, so "funk/rock" can differ from "funk".
GMD_STYLE_TO_GENRE: dict[str, str] = {
    "rock": "rock",
    "punk": "rock",
    "country": "rock",
    "blues": "rock",
    "rock/indie": "rock",
    "rock/halftime": "rock",
    "funk": "funk",
    "funk/rock": "funk",
    "neworleans": "funk",
    "neworleans/funk": "funk",
    "jazz": "jazz",
    "jazz/funk": "funk",
    "latin": "latin",
    "afrocuban": "latin",
    "afrobeat": "afrobeat",
    "reggae": "reggae",
    "pop": "pop",
    "hiphop": "boom_bap",
    "soul": "rnb",
    "gospel": "rnb",
    "rnb": "rnb",
    "dance": "house",
    "dance/disco": "house",
    "dance/house": "house",
    "highlife": "afrobeat",
    "middleeastern": "latin",
}


def gmd_style_to_genre(style: str) -> str | None:
    """Map a GMD style such as "funk/purdieshuffle" to a project genre, or None if unmapped."""
    style = style.strip().lower()
    if style in GMD_STYLE_TO_GENRE:
        return GMD_STYLE_TO_GENRE[style]
    return GMD_STYLE_TO_GENRE.get(style.split("/")[0])
