"""Tiny harmony datasets made in code, laid out like ../shared/datasets: POP909-style songs (MIDI with
MELODY and PIANO tracks, chord, beat and key files), Billboard-style charts and a progressions csv."""

from pathlib import Path

import mido
import numpy as np

from beatengine.theory import PITCH_NAMES, Key

TPB = 480
LOOPS = ([0, 5, 3, 4], [0, 3, 4, 4], [5, 3, 0, 4], [0, 4, 5, 3])   # scale degrees (0-based)


def _triad(key: Key, degree: int) -> tuple[int, str]:
    scale = key.scale
    root = scale[degree % 7]
    third = (scale[(degree + 2) % 7] - root) % 12
    return root, "maj" if third == 4 else "min"


def midi_track(name: str, channel: int, notes: list[tuple[float, float, int]]) -> mido.MidiTrack:
    events = []
    for start, length, pitch in notes:
        on, off = round(start * TPB), round((start + length) * TPB)
        events += [(on, 1, mido.Message("note_on", channel=channel, note=pitch, velocity=90)),
                   (off, 0, mido.Message("note_off", channel=channel, note=pitch, velocity=0))]
    track, last = mido.MidiTrack([mido.MetaMessage("track_name", name=name)]), 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - last))
        last = tick
    return track


def make_pop909(root: Path, n_songs: int = 16, bars: int = 16, seed: int = 0) -> Path:
    """Songs at 120 bpm (a beat is 0.5 s) over 4-bar diatonic loops: a melody of chord tones on
    the beats and scale steps between, a piano with the root low on every bar."""
    rng = np.random.default_rng(seed)
    for s in range(n_songs):
        key = Key(int(rng.integers(12)), "major" if s % 3 else "minor")
        loop = LOOPS[s % len(LOOPS)]
        folder = root / "POP909" / f"{s + 1:03d}"
        folder.mkdir(parents=True)
        melody, piano, chords = [], [], []
        for bar in range(bars):
            root_pc, quality = _triad(key, loop[bar % 4])
            chords.append((bar * 2.0, bar * 2.0 + 2.0, f"{PITCH_NAMES[root_pc]}:{quality}"))
            third = 4 if quality == "maj" else 3
            tones = [60 + (root_pc + i) % 12 for i in (0, third, 7)]
            piano += [(bar * 4, 4, 36 + root_pc)] + [(bar * 4, 4, t) for t in tones]
            for beat in range(4):
                pitch = int(rng.choice(tones)) + 12
                melody.append((bar * 4 + beat, 0.5, pitch))
                step = [p for p in range(pitch - 2, pitch + 3) if p % 12 in key.scale][0]
                melody.append((bar * 4 + beat + 0.5, 0.5, step))
        mid = mido.MidiFile(ticks_per_beat=TPB)
        mid.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500000)]))
        mid.tracks.append(midi_track("MELODY", 0, melody))
        mid.tracks.append(midi_track("PIANO", 2, piano))
        mid.save(folder / f"{s + 1:03d}.mid")
        rows = [f"{i * 0.5} 1.0 {float(i % 4 == 0)}" for i in range(bars * 4 + 1)]
        (folder / "beat_midi.txt").write_text("\n".join(rows) + "\n")
        (folder / "chord_midi.txt").write_text("".join(f"{a}\t{b}\t{c}\n" for a, b, c in chords))
        mode = "maj" if key.mode == "major" else "min"
        (folder / "key_audio.txt").write_text(f"0.0\t{bars * 2.0}\t{PITCH_NAMES[key.tonic]}:{mode}\n")
    return root


def make_billboard(root: Path, n_songs: int = 6) -> Path:
    genres = ("Classic Rock", "Funk / Soul", "Pop")
    rows = ["id,genre_tags,ab_bpm,ab_key,ab_scale"]
    for s in range(n_songs):
        key = Key(s % 12, "major")
        loop = LOOPS[s % len(LOOPS)]
        cells = " | ".join(f"{PITCH_NAMES[r]}:{q}" for r, q in (_triad(key, d) for d in loop))
        text = (f"# title: Song {s}\n# artist: Band {s}\n# metre: 4/4\n# tonic: {PITCH_NAMES[s % 12]}\n\n"
                f"0.0\tsilence\n0.5\tA, verse, | {cells} | x2\n16.5\tB, chorus, | {cells} | x2\n"
                "33.0\tend\n")
        path = root / "billboard-2.0-salami_chords" / f"{s + 1:04d}" / "salami_chords.txt"
        path.parent.mkdir(parents=True)
        path.write_text(text)
        rows.append(f"{s + 1:04d},{genres[s % 3]},{100 + s},C,major")
    (root / "acousticbrainz_genre_bpm_key.csv").write_text("\n".join(rows) + "\n")
    return root


def make_progressions(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("mode,roman_numerals,mood_tags\nmajor,I V vi IV,Hopeful\n"
                    "minor,i VI III VII,Dark\nmajor,I IV V IV,Joyful\n")
    return path


def harmony_data_config(root: Path) -> dict:
    """The `data` section of a harmony role's training config, pointing at fresh fixtures."""
    return {"billboard_dir": str(make_billboard(root / "billboard")),
            "pop909_dir": str(make_pop909(root / "pop909")),
            "fmc_csv": str(make_progressions(root / "fmc" / "progressions.csv")),
            "rule_songs_per_genre": 2, "seed": 0}


def tiny_harmony_config(data: dict, model_dir: Path) -> dict:
    """Tiny chords, bassline and melody models on fixture data (seconds on a CPU)."""
    role = {"data": data, "model": {"hidden": 16, "layers": 1, "emb": 8, "dropout": 0.0},
            "train": {"seed": 0, "epochs": 2, "batch_size": 16, "lr": 0.01, "weight_decay": 0.0,
                      "patience": 2, "cache_dir": None}}
    return {"model_dir": str(model_dir), "roles": ["chords", "bassline", "melody"],
            "chords": role, "bassline": role, "melody": role,
            "evaluation": {"seed": 0, "max_clips": 20, "bootstrap": 5,
                           "structure_seeds": 5}}
