"""The melody's structure checks: chord-tone share two-sided (too many chord tones is stiff) and
the syncopation of odd 16ths beside the held-out real melodies, and genres a classifier tells
apart (`training.roles.lines.structure`)."""

import numpy as np

from beatengine.roles.lines.generator import LineGenerator
from training.evaluation.checks import check, within
from training.roles.lines import structure as LS

CHORD_TONE_TOLERANCE = 0.05
MIN_ODD_RATIO = 0.5            # odd-16th onsets at least half as frequent as in real melodies
MIN_GENRE_AUC = 0.9


def evaluate_structure(gen: LineGenerator, real: list[tuple], made: list[tuple],
                       seeds: int = 20) -> dict:
    """`real` and `made`: (notes, spans) of the real slice-A melodies and the model's lines
    under their chords."""
    def share(parts, measure):
        return float(np.nanmean([measure(n, s) for n, s in parts if n]))

    tones = {name: share(parts, LS.chord_tone_share) for name, parts in (("real", real), ("model", made))}
    odd = {name: share(parts, lambda n, s: LS.odd_sixteenth_share(n))
           for name, parts in (("real", real), ("model", made))}
    table, vectors = LS.by_genre(gen, "melody", seeds)
    apart = LS.genre_distinctness(vectors)
    checks = [within("chord-tone share (real's within 0.05)", tones["model"], tones["real"],
                     CHORD_TONE_TOLERANCE),
              check("odd-16th share / real's", odd["model"] / max(odd["real"], 1e-9), MIN_ODD_RATIO),
              check("genres told apart (mean pairwise AUC)", apart["mean"], MIN_GENRE_AUC)]
    return {"chord_tones": tones, "odd_16ths": odd, "by_genre": table, "distinctness": apart,
            "checks": checks}
