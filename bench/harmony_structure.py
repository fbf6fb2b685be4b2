"""Structure and genre of generated progressions, basslines and melodies at default settings
(issue 14), through the service's request models and builders (the API's defaults exactly).

    python bench/harmony_structure.py [--seeds 20] [--quick]

Prints Markdown tables:
- chords: per genre, the share of 8-bar progressions whose bars 5-8 repeat bars 1-4 bar for bar,
  in-key share (mean and the worst request) over a grid of keys, modes, genres, complexities and
  seeds, and how often trap and lo-fi give the same progression for the same key and seed;
- bassline and melody: idiom measures per genre (`training.roles.lines.structure`) over a given
  progression, and how well a classifier tells the genres apart (pairwise AUC, mean and worst);
- melody: chord-tone share and odd-16th share beside held-out POP909 melodies.
"""

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from app.schemas.harmony import BasslineRequest, ChordsRequest, MelodyRequest  # noqa: E402
from app.services.bassline import build_bassline  # noqa: E402
from app.services.chords import build_chords  # noqa: E402
from app.services.lines import build_line  # noqa: E402
from app.services.models import ModelBank  # noqa: E402
from beatengine.genres import GENRE_NAMES  # noqa: E402
from beatengine.midi_io import Note  # noqa: E402
from beatengine.roles.chords.progression import Span  # noqa: E402
from beatengine.theory import parse_chord  # noqa: E402
from training.roles.chords import structure as CS  # noqa: E402
from training.roles.lines import structure as LS  # noqa: E402

CONSENT = {"user_id": "bench", "terms_version": "2026-01", "terms_accepted": True}
LOOP_GENRES = ("trap", "drill", "house", "techno", "lofi")
MODES = ("major", "minor", "dorian", "mixolydian", "phrygian")
BARS, SPB = LS.BARS, LS.SPB


def notes_of(track: dict) -> list[Note]:
    return [Note(n["pitch"], n["start"], n["duration"], n["velocity"]) for n in track["notes"]]


def spans_of(chords: list[dict]) -> list[Span]:
    return [Span(c["start"], c["start"] + c["beats"], parse_chord(c["symbol"]), c["symbol"])
            for c in chords]


def chords(models: ModelBank, seeds: int) -> None:
    print("## Chords (8 bars, defaults)\n")
    print("| genre | bars 5-8 repeat 1-4 | in key | chords per 8 bars |")
    print("|---|---|---|---|")
    for genre in GENRE_NAMES:
        rows = []
        for seed in range(seeds):
            req = ChordsRequest(consent=CONSENT, genre=genre, bars=BARS, key="A minor", seed=seed)
            v = build_chords(req, models, seed).variations[0]
            spans = spans_of(v["chords"])
            changes = sum(1 for a, b in zip(spans, spans[1:], strict=False)
                          if a.symbol != b.symbol) + 1
            rows.append((CS.phrase_repeats(spans, 4), v["adherence"]["in_key"], changes))
        r = np.array(rows, float)
        print(f"| {genre} | {r[:, 0].mean():.2f} | {r[:, 1].mean():.3f} | {r[:, 2].mean():.1f} |")
    shares = []
    for genre, mode, cx, seed in itertools.product(GENRE_NAMES, MODES, (0.0, 0.5, 1.0),
                                                   range(max(2, seeds // 10))):
        req = ChordsRequest(consent=CONSENT, genre=genre, bars=BARS, key=f"D {mode}",
                            complexity=cx, seed=seed)
        shares.append(build_chords(req, models, seed).variations[0]["adherence"]["in_key"])
    print(f"\nin key over {len(shares)} requests ({len(GENRE_NAMES)} genres x {len(MODES)} modes "
          f"x 3 complexities x seeds): mean {np.mean(shares):.3f}, worst {np.min(shares):.3f}, "
          f"10th percentile {np.percentile(shares, 10):.3f}")
    same = 0
    keys = ("A minor", "C major", "F# minor", "E minor", "G major")
    for key, seed in itertools.product(keys, range(seeds // 2)):
        made = [build_chords(ChordsRequest(consent=CONSENT, genre=g, bars=BARS, key=key, seed=seed),
                             models, seed).variations[0]["chords"] for g in ("trap", "lofi")]
        same += [c["symbol"] for c in made[0]] == [c["symbol"] for c in made[1]]
    print(f"trap and lo-fi identical: {same} of {len(keys) * (seeds // 2)}\n")


def lines(models: ModelBank, role: str, seeds: int) -> dict[str, list[np.ndarray]]:
    print(f"## {role} (8 bars over {' '.join(LS.FOLLOW)}, defaults)\n")
    make = {"bassline": (BasslineRequest, build_bassline), "melody": (MelodyRequest, None)}[role]
    vectors: dict[str, list[np.ndarray]] = {}
    for genre in GENRE_NAMES:
        rows, vectors[genre] = [], []
        for seed in range(seeds):
            req = make[0](consent=CONSENT, genre=genre, bars=BARS, chords=list(LS.FOLLOW), seed=seed)
            built = (make[1](req, models, None, seed) if make[1]
                     else build_line(role, req, models, seed))
            v = built.variations[0]
            notes, spans = notes_of(v["tracks"][0]), spans_of(v["chords"])
            rows.append(LS.idioms(notes, spans))
            vectors[genre].append(LS.line_vector(notes, SPB, BARS))
        if genre == GENRE_NAMES[0]:
            print("| genre | " + " | ".join(rows[0]) + " |")
            print("|---|" + "---|" * len(rows[0]))
        means = [np.nanmean([r[k] for r in rows]) if any(not np.isnan(r[k]) for r in rows)
                 else float("nan") for k in rows[0]]
        print(f"| {genre} | " + " | ".join(f"{x:.2f}" for x in means) + " |")
    return vectors


def distinctness(vectors: dict[str, list[np.ndarray]]) -> None:
    d = LS.genre_distinctness(vectors)
    print(f"\ngenres told apart (pairwise AUC, the better of linear and boosted trees): mean "
          f"{d['mean']:.3f}; hardest pairs: "
          + ", ".join(f"{a}/{b} {v:.2f}" for a, b, v in d["hardest"]) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--roles", nargs="*", default=["chords", "bassline", "melody"])
    args = ap.parse_args()
    models = ModelBank(ROOT / "models")
    models.load_all()
    print(f"checkpoints: {models.versions()}; {args.seeds} seeds\n")
    if "chords" in args.roles:
        chords(models, args.seeds)
    for role in ("bassline", "melody"):
        if role in args.roles:
            distinctness(lines(models, role, args.seeds))


if __name__ == "__main__":
    main()
