"""General MIDI programs and channels per part and genre: what a producer would load first."""

ELECTRONIC = ("trap", "drill", "house", "techno", "drum_and_bass")
MINOR_GENRES = ("trap", "drill", "boom_bap", "lofi", "techno", "drum_and_bass", "house")

CHANNELS = {"chords": 0, "bass": 1, "melody": 2, "drums": 9}


def program(part: str, genre: str, voicing: str | None = None) -> int:
    """0-based General MIDI program."""
    if part == "bass":
        if genre in ELECTRONIC:
            return 38                       # Synth Bass 1 (an 808 / sub patch in most DAWs)
        return 32 if genre == "jazz" else 33  # Acoustic Bass / Electric Bass (finger)
    if part == "chords":
        if voicing == "pad":
            return 89                       # Pad 2 (warm)
        if genre in ("house", "techno"):
            return 81                       # Lead 2 (sawtooth): stabs
        if genre in ("rnb", "lofi", "jazz", "boom_bap"):
            return 4                        # Electric Piano 1
        return 0                            # Acoustic Grand Piano
    if part == "melody":
        if genre in ELECTRONIC:
            return 80                       # Lead 1 (square)
        if genre in ("lofi", "rnb", "jazz"):
            return 11                       # Vibraphone
        return 73 if genre in ("latin", "reggae", "afrobeat") else 0  # Flute / Piano
    return 0


def default_key(genre: str) -> str:
    """The key a part is written in when the request names none and gives no chords."""
    return "A minor" if genre in MINOR_GENRES else "C major"
