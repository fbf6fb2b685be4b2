"""The chord model's vocabulary as named constants: key-relative chord tokens on a beat grid.

A token is the chord sounding on a beat: `NO_CHORD`, or a root *degree* (semitones above the key's
tonic) and a chord class. Classes fold the many spellings of `beatengine.theory.QUALITIES` into the
18 a producer's progression needs; each class has a complexity level (0 triads, 1 sixths and
sevenths, 2 ninths and extensions).
"""

import numpy as np

from beatengine.meter import METERS
from beatengine.seq.config import SeqSpec
from beatengine.theory import Chord, Key

CLASSES: tuple[str, ...] = ("", "m", "dim", "aug", "sus2", "sus4", "6", "m6", "7", "maj7", "m7",
                            "m7b5", "dim7", "7sus4", "add9", "9", "maj9", "m9")
CLASS_INDEX = {c: i for i, c in enumerate(CLASSES)}
NUM_CLASSES = len(CLASSES)
LEVEL = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2])
MAX_COMPLEXITY = 2
# every theory quality -> its class (power chords count as major, 11ths/13ths as 9ths)
QUALITY_TO_CLASS = {
    **{c: c for c in CLASSES}, "5": "", "mMaj7": "m7", "aug7": "7", "madd9": "m", "7b9": "7",
    "7#9": "7", "11": "9", "m11": "m9", "13": "9", "maj13": "maj9", "m13": "m9", "6/9": "6",
}

NO_CHORD = 0
VOCAB_SIZE = 1 + 12 * NUM_CLASSES
VOCAB_VERSION = 1

# positions: metre x bar in an 8-bar phrase x beat in the bar (up to 4)
PHRASE_BARS = 8
NUM_POSITIONS = len(METERS) * PHRASE_BARS * 4
STEP_FEATURES = 1      # 1 at a bar's first beat
SEQ_FEATURES = 2       # (richness: share of chords above triads, chord changes per bar / 4)
SPEC = SeqSpec(vocab_size=VOCAB_SIZE, num_positions=NUM_POSITIONS, step_features=STEP_FEATURES,
               seq_features=SEQ_FEATURES, vocab_version=VOCAB_VERSION)


def token(degree: int, cls: int) -> int:
    return 1 + degree * NUM_CLASSES + cls


def chord_token(chord: Chord | None, key: Key) -> int:
    if chord is None:
        return NO_CHORD
    return token((chord.root - key.tonic) % 12, CLASS_INDEX[QUALITY_TO_CLASS[chord.quality]])


def token_chord(tok: int, key: Key) -> Chord | None:
    if tok == NO_CHORD:
        return None
    degree, cls = divmod(tok - 1, NUM_CLASSES)
    return Chord((key.tonic + degree) % 12, CLASSES[cls])


def position(meter: str, bar: int, beat: int) -> int:
    return (METERS.index(meter) * PHRASE_BARS + bar % PHRASE_BARS) * 4 + beat



# per token: its class's complexity level (the complexity mask)
TOKEN_LEVEL = np.array([0] + [int(LEVEL[c]) for _ in range(12) for c in range(NUM_CLASSES)])


# per class: its tokens (one per root degree)
CLASS_TOKENS = [np.array([token(d, c) for d in range(12)]) for c in range(NUM_CLASSES)]
# per token: whether it is a chord on the tonic
TONIC = np.array([False] + [degree == 0 for degree in range(12) for _ in range(NUM_CLASSES)])


def token_pcs(tok: int) -> frozenset[int]:
    """Pitch classes of a token relative to the tonic (empty for NO_CHORD)."""
    chord = token_chord(tok, Key(0, "major"))
    return frozenset() if chord is None else chord.pitch_classes
