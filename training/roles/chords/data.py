"""The chord role's training data: 16-bar windows (hop 8) of every song's chords as key-relative
chord tokens per beat, and the chord windows its originality index holds."""

import numpy as np

from beatengine.meter import STEPS_PER_BEAT, beats_per_bar
from beatengine.roles.chords import vocab as CV
from beatengine.roles.chords.generator import chord_window_hashes
from beatengine.roles.lines import vocab as LV
from training.seq.arrays import SeqExample, windows
from training.sources.song import Song

CHORD_WINDOW_BARS, CHORD_HOP_BARS = 16, 8


def song_chord_tokens(song: Song) -> np.ndarray:
    """(beats,) key-relative chord token per quarter-note beat."""
    bpb = beats_per_bar(song.meter)
    steps = LV.chord_steps(song.chords, song.n_bars * bpb * STEPS_PER_BEAT)
    return np.array([CV.chord_token(c, song.key) for c in steps[::STEPS_PER_BEAT]], np.int64)


def chord_examples(songs: list[Song]) -> list[SeqExample]:
    out = []
    for song in songs:
        bpb = beats_per_bar(song.meter)
        tokens = song_chord_tokens(song)
        for a, b in windows(song.n_bars, CHORD_WINDOW_BARS, CHORD_HOP_BARS):
            tok = tokens[a * bpb:b * bpb]
            if len(tok) == 0 or (tok == CV.NO_CHORD).mean() > 0.25:
                continue
            beats = np.arange(len(tok))
            changes = int((tok[1:] != tok[:-1]).sum()) + 1
            richness = float((CV.TOKEN_LEVEL[tok] >= 1).mean())
            out.append(SeqExample(
                tok, np.array([CV.position(song.meter, x // bpb, x % bpb) for x in beats]),
                (beats % bpb == 0).astype(np.float32)[:, None], song.genre or "unknown",
                song.key.mode, np.array([richness, min(changes / (b - a), 4) / 4], np.float32),
                song.song_id, song.split, song.source))
    return out




def originality_pieces(songs: list[Song]) -> dict[str, np.ndarray]:
    """Per song: the hashes of its chord windows."""
    return {s.song_id: chord_window_hashes(song_chord_tokens(s)) for s in songs}
