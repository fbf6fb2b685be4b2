"""Render example arrangements from the shipped checkpoints into docs/arrangements.md: for each genre
a piano-roll picture (PNG) and the section list.

    .venv/bin/python scripts/render_arrangements.py [--genres house pop] [--bars 32] [--seed 1]
"""

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.services.models import ModelBank  # noqa: E402
from beatengine import instruments  # noqa: E402
from beatengine.arrangement import ArrangementParams, form_for  # noqa: E402
from beatengine.genres import GENRE_BY_NAME  # noqa: E402
from beatengine.theory import parse_key  # noqa: E402

COLOURS = {"drums": "#777777", "bass": "#1f77b4", "chords": "#2ca02c", "melody": "#d62728"}


def render(genre: str, bars: int, seed: int, out: Path, bank: ModelBank) -> list[str]:
    key = parse_key(instruments.default_key(genre))
    p = ArrangementParams(genre=genre, key=key, bpm=GENRE_BY_NAME[genre].default_bpm,
                          sections=form_for(genre, bars), seed=seed)
    song = bank.get("arrangement").generator.arrange(p)
    fig, ax = plt.subplots(figsize=(16, 6))
    for part, notes in song.notes.items():
        for n in notes:
            y = 18 + (n.pitch - 35) * 0.5 if part == "drums" else n.pitch   # drums in a low lane
            ax.broken_barh([(n.start, max(n.duration, 0.1))], (y - 0.4, 0.8), color=COLOURS[part])
    for s in song.sections:
        ax.axvline(s.start, color="black", lw=0.8)
        ax.text(s.start + 0.5, 98, f"{s.section.name} ({s.section.energy:.1f})", fontsize=9)
    ax.set_xlim(0, bars * 4)
    ax.set_ylim(12, 102)
    ax.set_xlabel("beats")
    ax.set_ylabel("MIDI pitch (drums: the low lane)")
    ax.set_title(f"{genre}, {key}, {p.bpm} bpm: drums (grey), bass (blue), chords (green), "
                 "lead (red)")
    fig.tight_layout()
    fig.savefig(out, dpi=70)
    plt.close(fig)
    return [f"| {s.section.name} | {s.start:g} | {s.section.bars} | {s.section.energy:.2f} | "
            f"{', '.join(s.parts)} | {density(song, s)} | "
            + " ".join(dict.fromkeys(x.symbol for x in song.spans
                                     if s.start <= x.start < s.start + s.section.bars * 4)) + " |"
            for s in song.sections]


def density(song, placed) -> str:
    """Notes per bar of drums / bass / chords / lead in a section."""
    end = placed.start + placed.section.bars * 4
    counts = [sum(placed.start <= n.start < end for n in song.notes.get(part, []))
              for part in ("drums", "bass", "chords", "melody")]
    return " / ".join(f"{n / placed.section.bars:.1f}" for n in counts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--genres", nargs="*", default=["house", "pop"])
    ap.add_argument("--bars", type=int, default=32)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    bank = ModelBank(ROOT / "models")
    bank.load_all()
    lines = ["# Example arrangements", "",
             f"Made by `.venv/bin/python scripts/render_arrangements.py --genres "
             f"{' '.join(args.genres)} --bars {args.bars} --seed {args.seed}` from the shipped "
             f"checkpoints ({bank.get('arrangement').version}): the genre's default form fitted to "
             f"{args.bars} bars, in the genre's default key and tempo; what `POST "
             f"/generate/arrangement` returns for the same request. Forms are whole 4-bar "
             f"phrases (`beatengine/arrangement/forms.py`); a section's energy sets which parts "
             f"play, how many chord voices, how loud, and how busy: no part has more notes per bar "
             f"than in a more energetic section (`beatengine/arrangement/energy.py`). A build, "
             f"and a breakdown into a drop, ends in a snare-roll riser.", ""]
    for genre in args.genres:
        png = ROOT / "docs" / "arrangements" / f"{genre}.png"
        rows = render(genre, args.bars, args.seed, png, bank)
        lines += [f"## {genre}", "", f"![{genre}](arrangements/{genre}.png)", "",
                  "| section | start beat | bars | energy | parts | notes per bar (drums / bass / "
                  "chords / lead) | chords |", "|---|---|---|---|---|---|---|",
                  *rows, ""]
    (ROOT / "docs" / "arrangements.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
