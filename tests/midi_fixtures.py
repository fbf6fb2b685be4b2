"""Tiny real MIDI fixtures, made in code: a Groove-MIDI-Dataset-shaped folder and drum files."""

import csv
from pathlib import Path

import mido
import numpy as np

TPB = 480
STEP = TPB // 4


def drum_file(path: Path, hits: list[tuple[float, int, int]], bpm: float = 100,
              numerator: int = 4, denominator: int = 4, length_beats: float | None = None) -> None:
    """Write a one-track drum file; hits are (beat, note, velocity) on channel 10."""
    mid = mido.MidiFile(ticks_per_beat=TPB)
    tr = mido.MidiTrack()
    events = [(0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))),
              (0, mido.MetaMessage("time_signature", numerator=numerator,
                                   denominator=denominator))]
    for beat, note, vel in hits:
        t = int(round(beat * TPB))
        events += [(t, mido.Message("note_on", channel=9, note=note, velocity=vel)),
                   (t + 30, mido.Message("note_on", channel=9, note=note, velocity=0))]
    if length_beats is not None:
        events.append((int(length_beats * TPB), mido.MetaMessage("end_of_track")))
    last = 0
    for t, msg in sorted(events, key=lambda e: e[0]):
        if msg.type == "end_of_track":
            tr.append(mido.MetaMessage("marker", text="end", time=t - last))
        else:
            tr.append(msg.copy(time=t - last))
        last = t
    mid.tracks.append(tr)
    path.parent.mkdir(parents=True, exist_ok=True)
    mid.save(path)


def rock_beat(bars: int, rng: np.random.Generator, jitter: float = 0.02
              ) -> list[tuple[float, int, int]]:
    """A TD-11 rock beat: kick 1 and 3 (36), snare 2 and 4 (38), hat-edge 8ths (22)."""
    hits = []
    for bar in range(bars):
        b0 = bar * 4
        for e in range(8):
            hits.append((b0 + e / 2 + rng.normal(0, jitter), 22, 70 + 20 * (e % 2 == 0)))
        for beat in (0, 2):
            hits.append((b0 + beat + abs(rng.normal(0, jitter)), 36, 100))
        for beat in (1, 3):
            hits.append((b0 + beat + abs(rng.normal(0, jitter)), 38, 110))
    return [(max(0.0, b), n, v) for b, n, v in hits]


def tom_fill(rng: np.random.Generator) -> list[tuple[float, int, int]]:
    return [(i / 4, (48, 45, 43, 58)[i // 4], 90 + i) for i in range(16)]


def varied_beat(bars: int, rng: np.random.Generator) -> list[tuple[float, int, int]]:
    """A groove of its own: a random 1-bar kick/snare/hat pattern (kick on 1, snare on 3) repeated,
    with a random variation in every 4th bar, so files differ from each other."""
    kick, snare, hat = (rng.random(16) < p for p in (0.3, 0.2, 0.6))
    kick[0], snare[8] = True, True
    hits = []
    for bar in range(bars):
        pattern = [kick, snare, hat]
        if bar % 4 == 3:
            pattern = [np.roll(p, int(rng.integers(1, 4))) for p in pattern]
        for steps, note, vel in zip(pattern, (36, 38, 42), (100, 105, 75), strict=True):
            hits += [(bar * 4 + s / 4, note, vel) for s in np.nonzero(steps)[0]]
    return hits


def make_gmd_dir(root: Path, beats_per_split: dict[str, int] | None = None,
                 beat=rock_beat) -> Path:
    """A folder shaped like ../shared/datasets/gmd: info.csv plus drummerN/session1/*.mid, each beat
    made by `beat(bars, rng)`."""
    rng = np.random.default_rng(0)
    beats_per_split = beats_per_split or {"train": 4, "validation": 1}
    rows = []
    for split, n in beats_per_split.items():
        for i in range(n):
            style = ("rock", "funk", "hiphop")[i % 3]
            name = f"drummer1/session1/{split}{i}_{style}_100_beat_4-4.mid"
            drum_file(root / name, beat(10, rng), length_beats=40)
            rows.append(dict(drummer="drummer1", session="drummer1/session1", id=name,
                             style=style, bpm=100, beat_type="beat", time_signature="4-4",
                             midi_filename=name, audio_filename="", duration=24, split=split))
            fname = f"drummer1/session1/{split}{i}_{style}_100_fill_4-4.mid"
            drum_file(root / fname, tom_fill(rng), length_beats=4)
            rows.append(dict(rows[-1], id=fname, beat_type="fill", midi_filename=fname,
                             duration=2.4))
    with open(root / "info.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return root


def tiny_training_config(gmd_dir: Path, model_dir: Path, user_dir: Path) -> dict:
    return {
        "model_dir": str(model_dir),
        "roles": ["drums"],
        "drums": {
            "data": {"gmd_dir": str(gmd_dir), "user_dir": str(user_dir),
                     "rule_examples_per_genre": 3, "seed": 0},
            "model": {"hidden": 24, "layers": 2, "emb": 16, "detail": 8, "dropout": 0.0},
            "train": {"seed": 0, "epochs": 2, "batch_size": 16, "lr": 0.003,
                      "weight_decay": 0.0, "patience": 2, "cache_dir": None},
        },
        "evaluation": {"seed": 0, "max_clips": 40, "bootstrap": 10},
    }
