"""How each genre writes its progressions: loop length, phrase-end variation, chord richness, the
chords it leans on and the colour (borrowed chords) it may add.

The chord model learns pop, rock, R&B, jazz, funk, latin, reggae, house and boom bap from labelled
songs (Billboard, POP909, free-midi-chords); trap, drill, lo-fi, techno, drum and bass and afrobeat
have no labelled progressions, so the model decodes them as "unknown" and these documented habits
steer it. The habits, with where they are documented:

- Loops: loop-based genres cycle a 1-, 2- or 4-bar progression for the whole part (Dennis DeSantis,
  *Making Music: 74 Creative Strategies for Electronic Music Producers*, Ableton 2015, "loops";
  Mark J. Butler, *Unlocking the Groove*, 2006, on the repetition of electronic dance music).
  Song genres repeat a 4-bar line about half the time, else move on to a new one, and vary the
  cadence at the end of a phrase: held-out Billboard sections repeat their first 4-bar line bar
  for bar about half the time (McGill Billboard corpus, Burgoyne et al. 2011).
- trap, drill: minor-key loops on i, VI, VII, iv and v, triads, with a phrygian bII as colour
  (Hooktheory TheoryTab trends for trap; drill's i-VI and i-iv two-bar loops).
- lo-fi, R&B, boom bap: 7ths and 9ths, ii-V motion, IVmaj7-iii7 and i7-iv7 (the jazz-sample
  lineage of boom bap and lo-fi hip hop; Hooktheory trends for neo-soul).
- house: minor-7th vamps of one or two chords over two bars (deep house's i7-iv7, the classic
  Chicago/New York "organ" stab vamps).
- techno: one chord or a drone for the whole loop (Butler 2006).
- drum and bass: minor 7th pads on i, VI, iv and VII over four bars (liquid DnB).
- jazz: ii-V-I with 7ths and extensions by default (Mark Levine, *The Jazz Theory Book*, 1995);
  the minor key's V7 and secondary dominants are its colour (ask `chromaticism`, or the
  harmonic minor mode).
- rock: I-IV-V and the mixolydian bVII (Walter Everett, *The Foundations of Rock*, 2009).
- pop: I-V-vi-IV and its rotations, i-VI-III-VII in minor (Hooktheory's most common progressions).
- reggae: I-IV-V two-bar vamps and i-iv; latin: i-iv-V montunos; afrobeat: one- or two-chord
  minor vamps (Fela Kuti's i7-iv7).

Numerals count degrees of the requested mode's scale, so "VI" in A minor is F and in C major the
(non-diatonic, hence masked) A major; "b" lowers a degree a semitone. Upper case is a major chord
(its 6ths, 7ths and 9ths included), lower case minor, "°" diminished and half-diminished.
"""

import functools
import re
from dataclasses import dataclass, field

import numpy as np

from beatengine.roles.chords import vocab as CV
from beatengine.theory import MODES

FAMILY = {"major": ("", "6", "7", "maj7", "add9", "9", "maj9", "sus2", "sus4", "7sus4"),
          "minor": ("m", "m6", "m7", "m9"), "dim": ("dim", "m7b5", "dim7")}
_NUMERAL = re.compile(r"^(b|#)?(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(°)?$")
_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii")
# a mode's characteristic chord: what makes dorian sound dorian and not minor, and so on
MODE_COLOUR = {"dorian": ("IV",), "mixolydian": ("VII",), "phrygian": ("II",), "lydian": ("II",)}
MODE_COLOUR_LEAN = 1.2


@dataclass(frozen=True)
class HarmonyStyle:
    loop_bars: int                 # the progression's loop (1, 2 or 4 bars)
    cadence: float                 # chance a repeated line rewrites its last bar at a phrase end
    complexity: float              # default richness (0 triads .. 1 extensions)
    leans: dict[str, float]        # numeral -> logit lean
    colour: tuple[str, ...] = ()   # borrowed chords `chromaticism` admits first
    chromaticism: float = 0.0      # default colour
    moving_on: float = 1.0         # how strongly a new bar favours a new chord
    min_chords: int = 2            # a loop of two or more slots has at least this many chords
    line_repeat: float = 1.0       # chance each later line repeats the one before (else a new one)
    classes: dict[str, float] = field(default_factory=dict)   # chord class -> logit lean


# jazz voices 7ths and their extensions, not pop's add9 and sus colours; lo-fi and R&B lean the same
SEVENTHS = {"": -0.8, "m": -0.8, "add9": -2.0, "sus2": -2.0, "sus4": -1.5, "6": -0.5, "7sus4": -1.0,
            "maj7": 0.6, "m7": 0.6, "7": 0.6, "maj9": 0.6, "m9": 0.6, "9": 0.6}
NO_SUS = {"sus2": -1.5, "sus4": -1.5, "7sus4": -1.0, "add9": -0.5}

STYLES: dict[str, HarmonyStyle] = {
    "trap": HarmonyStyle(4, 0.0, 0.2, {"i": 1.5, "VI": 1.2, "VII": 1.0, "iv": 0.7, "v": 0.5,
                                       "III": 0.3, "I": 0.8, "vi": 0.8, "IV": 0.5},
                         colour=("bII", "V")),
    "drill": HarmonyStyle(2, 0.0, 0.2, {"i": 1.5, "VI": 1.2, "iv": 1.0, "v": 0.6, "VII": 0.3,
                                        "vi": 0.8, "IV": 0.5}, colour=("bII",)),
    "boom_bap": HarmonyStyle(2, 0.0, 0.7, {"i": 1.0, "iv": 0.8, "VI": 0.7, "ii": 0.6, "ii°": 0.5,
                                           "IV": 0.6, "vi": 0.6}),
    "lofi": HarmonyStyle(4, 0.0, 0.9, {"ii": 1.2, "V": 0.9, "I": 0.9, "IV": 1.0, "iii": 0.7,
                                       "vi": 0.7, "i": 0.9, "iv": 1.0, "VII": 0.7, "III": 0.7,
                                       "VI": 0.8, "ii°": 0.4}, colour=("iv", "bVII"), classes=NO_SUS),
    "rnb": HarmonyStyle(4, 0.2, 0.8, {"I": 0.8, "vi": 0.8, "ii": 1.0, "IV": 1.0, "iii": 0.6,
                                      "V": 0.6, "i": 0.8, "iv": 0.9, "VI": 0.8, "v": 0.6},
                        line_repeat=0.75, classes=NO_SUS),
    "house": HarmonyStyle(2, 0.0, 0.75, {"i": 1.5, "iv": 1.0, "v": 0.6, "VI": 0.5, "vi": 1.2,
                                         "ii": 1.0, "IV": 0.7}, moving_on=0.0, min_chords=1),
    "techno": HarmonyStyle(1, 0.0, 0.4, {"i": 2.5, "I": 2.0, "vi": 1.0}, min_chords=1),
    "drum_and_bass": HarmonyStyle(4, 0.0, 0.7, {"i": 1.2, "VI": 1.0, "iv": 0.9, "VII": 0.7,
                                                "v": 0.5, "vi": 1.0, "IV": 0.8, "ii": 0.6}),
    "pop": HarmonyStyle(4, 0.25, 0.35, {"I": 0.6, "V": 0.5, "vi": 0.5, "IV": 0.6, "i": 0.6,
                                       "VI": 0.5, "III": 0.4, "VII": 0.5}, line_repeat=0.7),
    "rock": HarmonyStyle(4, 0.25, 0.2, {"I": 0.8, "IV": 0.8, "V": 0.7, "i": 0.7, "VII": 0.6,
                                       "VI": 0.5}, colour=("bVII", "bVI", "iv"), line_repeat=0.7),
    "funk": HarmonyStyle(2, 0.2, 0.7, {"i": 1.2, "iv": 0.8, "ii": 0.8, "I": 0.8, "IV": 0.8,
                                       "v": 0.4}, colour=("IV",), line_repeat=0.85),
    "jazz": HarmonyStyle(4, 0.3, 1.0, {"ii": 1.2, "V": 1.2, "I": 1.0, "vi": 0.6, "ii°": 0.8,
                                       "i": 0.8, "iv": 0.6, "VI": 0.5},
                         colour=("V", "II"), line_repeat=0.6, moving_on=1.5, classes=SEVENTHS),
    "latin": HarmonyStyle(2, 0.2, 0.35, {"i": 1.0, "iv": 0.9, "v": 0.6, "I": 0.9, "IV": 0.8,
                                         "V": 0.8}, colour=("V",), line_repeat=0.85),
    "afrobeat": HarmonyStyle(2, 0.0, 0.6, {"i": 1.5, "iv": 1.0, "ii": 0.6, "I": 1.0, "IV": 0.9}),
    "reggae": HarmonyStyle(2, 0.2, 0.2, {"I": 1.0, "IV": 0.9, "V": 0.7, "i": 1.0, "iv": 0.9,
                                         "vi": 0.4}, line_repeat=0.85),
}
DEFAULT_STYLE = HarmonyStyle(4, 0.3, 0.5, {})


def style_of(genre: str) -> HarmonyStyle:
    return STYLES.get(genre, DEFAULT_STYLE)


def numeral_tokens(numeral: str, mode: str) -> np.ndarray:
    """The chord tokens a numeral names in `mode` (its whole family: C, C6, C7, Cmaj7, ...)."""
    m = _NUMERAL.match(numeral)
    if not m:
        raise ValueError(f"bad numeral {numeral!r}")
    accidental, roman, dim = m.groups()
    degree = (MODES[mode][_ROMAN.index(roman.lower())] + {"b": -1, "#": 1, None: 0}[accidental]) % 12
    family = "dim" if dim else ("major" if roman.isupper() else "minor")
    return np.array([CV.token(degree, CV.CLASS_INDEX[c]) for c in FAMILY[family]])


# tonic_tokens, lean_bias and colour_tokens are the same for every request of a genre and mode:
# each is computed once and shared, so callers never write into what they return
@functools.cache
def tonic_tokens(mode: str) -> np.ndarray:
    """(V,) bool: the mode's own tonic chord in any richness (no sus chord, which leaves the
    mode's third unsaid)."""
    third = MODES[mode][2]
    family = {3: FAMILY["minor"], 4: FAMILY["major"]}.get(third, FAMILY["dim"])
    if MODES[mode][4] == 6:                  # locrian: a diminished tonic
        family = FAMILY["dim"]
    out = np.zeros(CV.VOCAB_SIZE, bool)
    out[[CV.token(0, CV.CLASS_INDEX[c]) for c in family if not c.startswith(("sus", "7sus"))]] = True
    return out


@functools.cache
def lean_bias(genre: str, mode: str) -> np.ndarray:
    """(V,) the genre's leans and the mode's characteristic chord, as a logit bias."""
    style = style_of(genre)
    bias = np.zeros(CV.VOCAB_SIZE, np.float32)
    for numeral, lean in style.leans.items():
        bias[numeral_tokens(numeral, mode)] += lean
    for numeral in MODE_COLOUR.get(mode, ()):
        bias[numeral_tokens(numeral, mode)] += MODE_COLOUR_LEAN
    for cls, lean in style.classes.items():
        bias[CV.CLASS_TOKENS[CV.CLASS_INDEX[cls]]] += lean
    return bias


@functools.cache
def colour_tokens(genre: str, mode: str) -> np.ndarray:
    """(V,) bool: the borrowed chords the genre reaches for first."""
    out = np.zeros(CV.VOCAB_SIZE, bool)
    for numeral in style_of(genre).colour:
        out[numeral_tokens(numeral, mode)] = True
    return out
